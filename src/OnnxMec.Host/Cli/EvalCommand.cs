using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using OnnxMec.Host.Configuration;
using OnnxMec.Host.Evaluation;
using OnnxMec.Host.Training;
using OnnxMec.Runtime;

namespace OnnxMec.Host.Cli;

/// <summary>`onnxmec eval knn|linear`: evaluate a checkpoint or an exported encoder on labelled data.</summary>
internal static class EvalCommand
{
    /// <summary>Fewer SGD steps than this and a linear probe's accuracy says little; the user is told so.</summary>
    private const int FewProbeSteps = 100;

    public static Command Create() => new("eval", "Evaluate a trained encoder") { Knn(), Linear(), FineTuneCommand.Create() };

    /// <summary>The options every eval verb shares.</summary>
    private sealed class Common
    {
        public Option<string?> Checkpoint { get; } = new("--checkpoint") { Description = "A checkpoint, e.g. runs/NAME/checkpoints/latest.safetensors (its run's data settings are used unless --config or --set is given)" };
        public Option<string?> Artifacts { get; } = new("--artifacts") { Description = "With --checkpoint: the artifact-set folder it was trained with (default: the one its run names)" };
        public Option<string?> Encoder { get; } = new("--encoder") { Description = "An exported encoder.onnx (data from --config/--set, else the embedded Fashion-MNIST split)" };
        public Option<string?> Config { get; } = new("--config") { Description = "A training config file whose Data section says what to evaluate on" };
        public Option<string[]> Set { get; } = new("--set") { Description = "Override a setting: KEY=VALUE", AllowMultipleArgumentsPerToken = true };
        public Option<int> Threads { get; } = new("--threads") { Description = "ONNX Runtime intra-op threads (0: one per core)", DefaultValueFactory = _ => 0 };
        public Option<string> Device { get; } = new("--device") { Description = "cpu, cuda or auto", DefaultValueFactory = _ => "cpu" };
        public Option<bool> Json { get; } = new("--json") { Description = "End with one line of JSON holding the results" };

        public IEnumerable<Option> All => [Checkpoint, Artifacts, Encoder, Config, Set, Threads, Device, Json];

        public EvaluationSetup Open(ParseResult parse, TextWriter output)
        {
            var overrides = CliOutput.Settings(parse.GetValue(Set) ?? []);
            TrainingSettings? configured = parse.GetValue(Config) is not null || overrides.Count > 0
                ? ConfigurationSources.Bind(ConfigurationSources.Build(parse.GetValue(Config), new Dictionary<string, string?>(), overrides))
                : null;
            var factory = new SessionFactory(new RuntimeOptions { Threads = parse.GetValue(Threads), Device = CliOutput.Device(parse.GetValue(Device)!) });
            var setup = EvaluationSetup.Create(parse.GetValue(Checkpoint), parse.GetValue(Encoder), parse.GetValue(Artifacts), configured, factory);
            output.WriteLine($"Data: {setup.Data.Train.Name} as the bank, {setup.Data.Queries?.Name ?? "no queries"} as queries (from {setup.DataOrigin})");
            foreach (var line in DataReport.Lines(setup.Data, setup.Input, setup.Recipe, views: null)) output.WriteLine(line);
            return setup;
        }
    }

    private static Command Knn()
    {
        var o = new Common();
        var k = new Option<int>("--k") { Description = "Neighbours", DefaultValueFactory = _ => 200 };
        var temperature = new Option<double>("--temperature") { Description = "Vote weight exp(similarity / T)", DefaultValueFactory = _ => 0.1 };
        var command = new Command("knn", "Weighted kNN accuracy (cosine, k = 200, T = 0.1) with the training images as the memory bank");
        foreach (var option in o.All.Append(k).Append(temperature)) command.Options.Add(option);
        command.SetAction(parse =>
        {
            var clock = Stopwatch.StartNew();
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(k) < 1) throw new ArgumentException($"--k: {parse.GetValue(k)} must be at least 1");
            if (!(parse.GetValue(temperature) > 0) || double.IsInfinity(parse.GetValue(temperature))) throw new ArgumentException($"--temperature: {parse.GetValue(temperature)} must be a positive number");
            using var setup = o.Open(parse, output);
            var f = Features(setup, output);
            var result = KnnClassifier.Evaluate(f.Bank, f.BankLabels, f.Queries, f.QueryLabels, f.Dim, f.Classes, parse.GetValue(k), parse.GetValue(temperature), setup.Factory);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"kNN: top-1 {result.Top1:F2} %, top-5 {result.Top5:F2} % ({result.Bank:N0} bank images from {setup.Data.Train.Name}, {result.Queries:N0} queries from {setup.Data.Queries!.Name})"));
            if (parse.GetValue(o.Json)) CliOutput.Json(output, new KnnEvalJson(result.Top1, result.Top5, result.Bank, result.Queries, clock.Elapsed.TotalSeconds));
            return 0;
        });
        return command;
    }

    private static Command Linear()
    {
        var o = new Common();
        var epochs = new Option<int>("--epochs") { Description = "Epochs over the frozen training features", DefaultValueFactory = _ => 30 };
        var lr = new Option<double>("--lr") { Description = "Base learning rate (cosine to 0)", DefaultValueFactory = _ => 0.1 };
        var batch = new Option<int>("--batch-size") { Description = "Batch size", DefaultValueFactory = _ => 256 };
        var command = new Command("linear", "Linear probe on frozen features: BatchNorm without affine, then a linear layer, trained with our autodiff graphs");
        foreach (var option in o.All.Append(epochs).Append(lr).Append(batch)) command.Options.Add(option);
        command.SetAction(parse =>
        {
            var clock = Stopwatch.StartNew();
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(epochs) is < 1 or > 10_000) throw new ArgumentException($"--epochs: {parse.GetValue(epochs)} must be from 1 to 10000");
            if (!(parse.GetValue(lr) > 0) || double.IsInfinity(parse.GetValue(lr))) throw new ArgumentException($"--lr: {parse.GetValue(lr)} must be a positive number");
            if (parse.GetValue(batch) < 2) throw new ArgumentException($"--batch-size: {parse.GetValue(batch)} must be at least 2");
            using var setup = o.Open(parse, output);
            var f = Features(setup, output);
            int batchSize = Math.Min(parse.GetValue(batch), f.BankLabels.Length);
            long steps = (long)Math.Max(1, f.BankLabels.Length / batchSize) * parse.GetValue(epochs);
            if (steps < FewProbeSteps)
                output.WriteLine($"warning: the probe makes only {steps} SGD steps ({f.BankLabels.Length:N0} images, batch {batchSize}, {parse.GetValue(epochs)} epochs); " +
                    $"its accuracy says little below about {FewProbeSteps}: raise --epochs or lower --batch-size");
            var result = LinearProbe.Run(f.Bank, f.BankLabels, f.Queries, f.QueryLabels, f.Dim, f.Classes, parse.GetValue(epochs), parse.GetValue(lr), batchSize, 0, setup.Factory);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Linear probe: top-1 {result.Top1:F2} %, top-5 {result.Top5:F2} % after {result.Epochs} epochs, {steps} steps (final training loss {result.FinalLoss:F4})"));
            if (parse.GetValue(o.Json)) CliOutput.Json(output, new LinearEvalJson(result.Top1, result.Top5, result.Epochs, steps, clock.Elapsed.TotalSeconds));
            return 0;
        });
        return command;
    }

    private sealed record LabelledFeatures(float[] Bank, int[] BankLabels, float[] Queries, int[] QueryLabels, int Dim, int Classes);

    private static LabelledFeatures Features(EvaluationSetup setup, TextWriter output)
    {
        var data = setup.Data;
        if (data.Queries is null) throw new InvalidDataException($"{data.Train.Name}: no labelled test data to evaluate on (set Data:Test)");
        if (data.Train.ClassCount == 0 || data.Queries.ClassCount == 0)
            throw new InvalidDataException($"{(data.Train.ClassCount == 0 ? data.Train.Name : data.Queries.Name)}: the images are unlabelled; kNN and the linear probe need labels");
        var bank = EncoderFeatures.Compute(setup.Encode, data.Train, data.Evaluation, data.Train.Count, data.SkipBadImages);
        var queries = EncoderFeatures.Compute(setup.Encode, data.Queries, data.Evaluation, data.Queries.Count, data.SkipBadImages);
        if (bank.Skipped + queries.Skipped > 0)
            output.WriteLine($"warning: {bank.Skipped + queries.Skipped} unreadable images were left out ({bank.Skipped} of {data.Train.Name}, {queries.Skipped} of {data.Queries.Name}; Data:SkipBadImages)");
        return new LabelledFeatures(bank.Features, bank.Labels, queries.Features, queries.Labels, bank.Dim, Math.Max(data.Train.ClassCount, data.Queries.ClassCount));
    }
}

/// <summary>`eval knn --json`.</summary>
internal sealed record KnnEvalJson(double KnnTop1, double KnnTop5, int Bank, int Queries, double Seconds);

/// <summary>`eval linear --json`.</summary>
internal sealed record LinearEvalJson(double Top1, double Top5, int Epochs, long Steps, double Seconds);
