using System.CommandLine;
using System.Globalization;
using OnnxMec.Data;
using OnnxMec.Host.Configuration;
using OnnxMec.Host.Evaluation;
using OnnxMec.Host.FineTuning;
using OnnxMec.Host.Training;
using OnnxMec.Runtime;

namespace OnnxMec.Host.Cli;

/// <summary>
/// `onnxmec eval finetune`: the semi-supervised protocol (the paper's Table 2, scaled down):
/// fine-tune the whole pre-trained backbone with a linear head on 1 % and 10 % of the labels
/// (class-balanced, seeded) and report top-1 on the test images, beside the same network trained
/// from scratch on the same images with the same schedule.
/// </summary>
internal static class FineTuneCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "The pre-trained checkpoint (e.g. runs/NAME/checkpoints/latest.safetensors)", Required = true };
        var artifacts = new Option<string?>("--artifacts") { Description = "The artifact-set folder it was trained with (default: the one its run names)" };
        var config = new Option<string?>("--config") { Description = "A training config whose Data section says what to fine-tune and test on (default: the checkpoint's run)" };
        var set = new Option<string[]>("--set") { Description = "Override a setting: KEY=VALUE", AllowMultipleArgumentsPerToken = true };
        var labels = new Option<string>("--labels") { Description = "Shares of the labels to fine-tune on, in percent, comma-separated", DefaultValueFactory = _ => "1,10" };
        var steps = new Option<int>("--steps") { Description = "SGD steps per fine-tuning run (cosine learning rate)", DefaultValueFactory = _ => 300 };
        var batch = new Option<int>("--batch-size") { Description = "Batch size (at most the labelled images)", DefaultValueFactory = _ => 64 };
        var lr = new Option<double>("--lr") { Description = "Base learning rate", DefaultValueFactory = _ => 0.05 };
        var seed = new Option<int>("--seed") { Description = "Seed of the labelled subsets, the head, the scratch network and the augmentations", DefaultValueFactory = _ => 0 };
        var scratch = new Option<bool>("--scratch") { Description = "Also train the same network from scratch on the same images (the comparison)", DefaultValueFactory = _ => true };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads (0: one per core)", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "End with one line of JSON holding the rows" };
        var command = new Command("finetune", "Fine-tune the whole pre-trained backbone and a linear head on 1 % and 10 % of the labels, beside training from scratch")
        {
            checkpoint, artifacts, config, set, labels, steps, batch, lr, seed, scratch, threads, json,
        };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var shares = parse.GetValue(labels)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(s => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double p) && p is > 0 and <= 100 ? p : throw new ArgumentException($"--labels: '{s}' is not a percentage in (0, 100]")).ToList();
            if (parse.GetValue(steps) is < 1 or > 1_000_000) throw new ArgumentException($"--steps: {parse.GetValue(steps)} must be from 1 to 1000000");
            if (parse.GetValue(batch) < 2) throw new ArgumentException($"--batch-size: {parse.GetValue(batch)} must be at least 2");
            if (!(parse.GetValue(lr) > 0) || double.IsInfinity(parse.GetValue(lr))) throw new ArgumentException($"--lr: {parse.GetValue(lr)} must be a positive number");

            var trained = TrainedEncoder.Load(parse.GetValue(checkpoint)!, parse.GetValue(artifacts));
            var overrides = CliOutput.Settings(parse.GetValue(set) ?? []);
            var settings = parse.GetValue(config) is not null || overrides.Count > 0
                ? ConfigurationSources.Bind(ConfigurationSources.Build(parse.GetValue(config), new Dictionary<string, string?>(), overrides))
                : trained.Run ?? throw new InvalidDataException($"{parse.GetValue(checkpoint)}: the checkpoint carries no run configuration; say what to fine-tune on with --config");
            var model = trained.Set.Manifest.Config;
            var data = TrainingData.Create(settings.DataSource, settings.Options.Data, settings.Recipe, model);
            if (data.Queries is null) throw new InvalidDataException($"{data.Train.Name}: no labelled test images to measure on (set Data:Test)");
            int classes = Math.Max(data.Train.ClassCount, data.Queries.ClassCount);
            var graphs = ClassifierGraphs.Build(model, classes, momentum: 0.9, weightDecay: 5e-4);
            var factory = new SessionFactory(new RuntimeOptions { Threads = parse.GetValue(threads) });
            var pretrained = trained.Online.ToDictionary(t => t.Name, t => t.AsFloat32(), StringComparer.Ordinal);
            output.WriteLine($"Fine-tuning '{trained.Set.Manifest.Name}' from {parse.GetValue(checkpoint)} on shares of {data.Train.Name}; testing on {data.Queries.Name} ({parse.GetValue(steps)} steps each, batch {parse.GetValue(batch)}, lr {parse.GetValue(lr).ToString(CultureInfo.InvariantCulture)})");
            output.WriteLine("| labels | images | pre-trained top-1 | from scratch top-1 | gain |");
            output.WriteLine("|---|---|---|---|---|");
            var rows = new List<FineTuneRowJson>();
            foreach (double share in shares)
            {
                var subset = new LabelledSubset(data.Train, share / 100, parse.GetValue(seed));
                var run = new FineTuneRun(subset, data.Queries, data.View1, data.Evaluation, parse.GetValue(steps), parse.GetValue(batch), parse.GetValue(lr), parse.GetValue(seed), settings.Options.Data.Workers);
                var fromPretrained = FineTune.Run("pre-trained", graphs, pretrained, run, factory);
                var fromScratch = parse.GetValue(scratch) ? FineTune.Run("from scratch", graphs, new Dictionary<string, float[]>(), run, factory) : null;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {share:0.##} % | {subset.Count:N0} | {fromPretrained.Top1:F2} % | {(fromScratch is null ? "–" : $"{fromScratch.Top1:F2} %")} | {(fromScratch is null ? "–" : $"{fromPretrained.Top1 - fromScratch.Top1:+0.00;-0.00}")} |"));
                rows.Add(new FineTuneRowJson(share, subset.Count, fromPretrained.Steps, fromPretrained.Top1, fromPretrained.Top5, fromScratch?.Top1, fromScratch?.Top5,
                    fromPretrained.Seconds + (fromScratch?.Seconds ?? 0)));
            }
            if (parse.GetValue(json)) CliOutput.Json(output, new FineTuneJson(rows));
            return 0;
        });
        return command;
    }
}

/// <summary>`eval finetune --json`: one row per share of the labels.</summary>
internal sealed record FineTuneJson(IReadOnlyList<FineTuneRowJson> Rows);

internal sealed record FineTuneRowJson(double LabelsPercent, int Images, int Steps, double PretrainedTop1, double PretrainedTop5, double? ScratchTop1, double? ScratchTop5, double Seconds);
