using System.CommandLine;
using System.Globalization;
using System.Diagnostics;
using OnnxMec.Host.Configuration;
using OnnxMec.Host.Evaluation;

namespace OnnxMec.Host.Cli;

/// <summary>`onnxmec eval knn|linear`: evaluate a checkpoint or an exported encoder on labelled data.</summary>
internal static class EvalCommand
{
    public static Command Create() => new("eval", "Evaluate a trained encoder") { Knn(), Linear() };

    private static (Option<string?> Checkpoint, Option<string?> Encoder, Option<string?> Config, Option<string[]> Set, Option<int> Threads, Option<bool> Json) Common()
        => (new("--checkpoint") { Description = "A checkpoint (its run's data settings are used unless --config is given)" },
            new("--encoder") { Description = "An exported encoder.onnx (data from --config, else the embedded Fashion-MNIST)" },
            new("--config") { Description = "A training config file whose Data section says what to evaluate on" },
            new("--set") { Description = "Override a setting: KEY=VALUE", AllowMultipleArgumentsPerToken = true },
            new("--threads") { Description = "ONNX Runtime intra-op threads (0: one per core)", DefaultValueFactory = _ => 0 },
            new("--json") { Description = "End with one line of JSON holding the results" });

    private static EvaluationSetup Setup(ParseResult parse, (Option<string?> Checkpoint, Option<string?> Encoder, Option<string?> Config, Option<string[]> Set, Option<int> Threads, Option<bool> Json) o)
    {
        var overrides = CliOutput.Settings(parse.GetValue(o.Set) ?? []);
        TrainingOptions? configured = parse.GetValue(o.Config) is not null || overrides.Count > 0
            ? ConfigurationSources.Bind(ConfigurationSources.Build(parse.GetValue(o.Config), new Dictionary<string, string?>(), overrides))
            : null;
        return EvaluationSetup.Create(parse.GetValue(o.Checkpoint), parse.GetValue(o.Encoder), configured, parse.GetValue(o.Threads));
    }

    private static Command Knn()
    {
        var o = Common();
        var k = new Option<int>("--k") { Description = "Neighbours", DefaultValueFactory = _ => 200 };
        var temperature = new Option<double>("--temperature") { Description = "Vote weight exp(similarity / T)", DefaultValueFactory = _ => 0.1 };
        var command = new Command("knn", "Weighted kNN accuracy (cosine, k = 200, T = 0.1) with the training images as the memory bank")
        {
            o.Checkpoint, o.Encoder, o.Config, o.Set, o.Threads, o.Json, k, temperature,
        };
        command.SetAction(parse =>
        {
            var clock = Stopwatch.StartNew();
            using var setup = Setup(parse, o);
            var (bankLabels, queryLabels, bank, queries, dim, classes) = Features(setup);
            var result = KnnClassifier.Evaluate(bank, bankLabels, queries, queryLabels, dim, classes, parse.GetValue(k), parse.GetValue(temperature), setup.Threads);
            var output = parse.InvocationConfiguration.Output;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"kNN: top-1 {result.Top1:F2} %, top-5 {result.Top5:F2} % ({result.Bank:N0} bank images from {setup.Data.Train.Name}, {result.Queries:N0} queries from {setup.Data.Queries!.Name})"));
            if (parse.GetValue(o.Json)) CliOutput.Json(output, new { knn_top1 = result.Top1, knn_top5 = result.Top5, bank = result.Bank, queries = result.Queries, seconds = clock.Elapsed.TotalSeconds });
            return 0;
        });
        return command;
    }

    private static Command Linear()
    {
        var o = Common();
        var epochs = new Option<int>("--epochs") { Description = "Epochs over the frozen training features", DefaultValueFactory = _ => 30 };
        var lr = new Option<double>("--lr") { Description = "Base learning rate (cosine to 0)", DefaultValueFactory = _ => 0.1 };
        var batch = new Option<int>("--batch-size") { Description = "Batch size", DefaultValueFactory = _ => 256 };
        var command = new Command("linear", "Linear probe on frozen features: BatchNorm without affine, then a linear layer, trained with our autodiff graphs")
        {
            o.Checkpoint, o.Encoder, o.Config, o.Set, o.Threads, o.Json, epochs, lr, batch,
        };
        command.SetAction(parse =>
        {
            var clock = Stopwatch.StartNew();
            using var setup = Setup(parse, o);
            var (bankLabels, queryLabels, bank, queries, dim, classes) = Features(setup);
            var result = LinearProbe.Run(bank, bankLabels, queries, queryLabels, dim, classes, parse.GetValue(epochs), parse.GetValue(lr),
                Math.Min(parse.GetValue(batch), bankLabels.Length), 0, setup.Threads);
            var output = parse.InvocationConfiguration.Output;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Linear probe: top-1 {result.Top1:F2} %, top-5 {result.Top5:F2} % after {result.Epochs} epochs (final training loss {result.FinalLoss:F4})"));
            if (parse.GetValue(o.Json)) CliOutput.Json(output, new { top1 = result.Top1, top5 = result.Top5, epochs = result.Epochs, seconds = clock.Elapsed.TotalSeconds });
            return 0;
        });
        return command;
    }

    private static (int[] BankLabels, int[] QueryLabels, float[] Bank, float[] Queries, int Dim, int Classes) Features(EvaluationSetup setup)
    {
        var data = setup.Data;
        if (data.Queries is null) throw new InvalidDataException($"{data.Train.Name}: no labelled test data to evaluate on (set Data:Test)");
        if (data.Train.ClassCount == 0) throw new InvalidDataException($"{data.Train.Name}: the training images are unlabelled; kNN and the linear probe need labels");
        var (bank, dim) = EncoderFeatures.Compute(setup.Encode, data.Train, data.Evaluation, data.Train.Count);
        var (queries, _) = EncoderFeatures.Compute(setup.Encode, data.Queries, data.Evaluation, data.Queries.Count);
        return (Enumerable.Range(0, data.Train.Count).Select(data.Train.Label).ToArray(), Enumerable.Range(0, data.Queries.Count).Select(data.Queries.Label).ToArray(),
            bank, queries, dim, Math.Max(data.Train.ClassCount, data.Queries.ClassCount));
    }
}
