using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using OnnxMec.Host.Bench;

namespace OnnxMec.Host.Cli;

/// <summary>`onnxmec bench …`: benchmarks that print a table (never timed tests).</summary>
internal static class BenchCommand
{
    public static Command Create() => new("bench", "Benchmarks that print a table") { Step(), Loss(), Data() };

    private static Command Step()
    {
        var model = new Option<string>("--model") { Description = "An artifact preset", DefaultValueFactory = _ => "resnet18-cifar" };
        var batch = new Option<int>("--batch") { Description = "Batch size m", DefaultValueFactory = _ => 64 };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads (0: one per core)", DefaultValueFactory = _ => 0 };
        var width = new Option<double?>("--width") { Description = "Build the preset at another width multiplier (into a temporary folder)" };
        var steps = new Option<int>("--steps") { Description = "Timed steps after 2 warm-up steps", DefaultValueFactory = _ => 10 };
        var device = new Option<string>("--device") { Description = "cpu, cuda or auto", DefaultValueFactory = _ => "cpu" };
        var fusedOnly = new Option<bool>("--fused-only") { Description = "Time only the fused step, not the split graphs" };
        var json = new Option<bool>("--json") { Description = "End with one line of JSON: median_ms, min_ms, max_ms, peak_rss_mb, …" };
        var profile = new Option<string?>("--profile") { Description = "Write ORT's per-node profile (Chrome trace JSON) to files starting with this path, and print the time per operator type" };
        var blocked = new Option<bool>("--blocked-conv") { Description = "On the CPU, run convolutions in ORT's blocked (NCHWc) layout; false for the plain graphs", DefaultValueFactory = _ => true };
        var command = new Command("step", "Milliseconds per full MEC training step (fused train_step), the split where the graphs allow, and peak RSS")
        {
            model, batch, threads, width, steps, device, fusedOnly, json, profile, blocked,
        };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var r = StepBenchmark.Run(new StepBenchmarkOptions(parse.GetValue(model)!, parse.GetValue(batch), parse.GetValue(threads), parse.GetValue(width), parse.GetValue(steps),
                Device: CliOutput.Device(parse.GetValue(device)!), Split: !parse.GetValue(fusedOnly), ProfilePrefix: parse.GetValue(profile), BlockedConv: parse.GetValue(blocked)));
            string processes = r.Processes > 1 ? $" over {r.Processes} processes ({r.Batch / r.Processes} images each)" : "";
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{r.Set}: batch {r.Batch}{processes}, {r.Parameters:N0} online parameters, {r.Threads} threads{(r.Processes > 1 ? " per process" : "")}; first step (incl. loading) {r.LoadSeconds:F1} s"));
            output.WriteLine("| graph | median ms | min | max |");
            output.WriteLine("|---|---|---|---|");
            foreach (var (name, t) in new[] { ("train_step (fused)", r.Step), ("training_model (fwd+bwd)", r.TrainingModel), ("optimizer_model", r.Optimizer), ("ema_model", r.Ema) })
                if (t is not null) output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {t.MedianMs:F1} | {t.MinMs:F1} | {t.MaxMs:F1} |"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{r.ImagesPerSecond:F1} images/s; peak RSS {r.PeakRssMb:F0} MiB{(r.Processes > 1 ? $" (rank 0); {100 * r.CommunicationShare:F1} % of the step exchanging between processes" : "")}"));
            foreach (var file in r.ProfileFiles)
                ProfileSummary.Read(file).WriteTable(output);
            if (parse.GetValue(json))
                CliOutput.Json(output, new
                {
                    set = r.Set, batch = r.Batch, threads = r.Threads, median_ms = r.Step.MedianMs, min_ms = r.Step.MinMs, max_ms = r.Step.MaxMs,
                    forward_backward_ms = r.TrainingModel?.MedianMs, optimizer_ms = r.Optimizer?.MedianMs, ema_ms = r.Ema?.MedianMs,
                    images_per_second = r.ImagesPerSecond, peak_rss_mb = r.PeakRssMb, processes = r.Processes, communication_share = r.CommunicationShare,
                });
            return 0;
        });
        return command;
    }

    private static Command Data()
    {
        var jpegs = new Option<int>("--jpegs") { Description = "JPEGs to make for the ImageNet recipe", DefaultValueFactory = _ => 256 };
        var folder = new Option<string?>("--folder") { Description = "Use this folder of JPEG/PNG images instead of made ones" };
        var batches = new Option<int>("--small-batches") { Description = "Batches of 256 for the small recipe", DefaultValueFactory = _ => 60 };
        var json = new Option<bool>("--json") { Description = "End with one line of JSON holding the rows" };
        var command = new Command("data", "Loader throughput: both views of each image, ImageNet recipe from JPEGs and small recipe on Fashion-MNIST") { jpegs, folder, batches, json };
        command.SetAction(async (parse, cancel) =>
        {
            var output = parse.InvocationConfiguration.Output;
            output.WriteLine($"Two-view loader throughput ({Environment.ProcessorCount} cores); images/s counts images, each made into two views.");
            output.WriteLine("| recipe | source | workers | images/s | per worker |");
            output.WriteLine("|---|---|---|---|---|");
            var rows = await DataBenchmark.Run(parse.GetValue(jpegs), parse.GetValue(batches), parse.GetValue(folder), row =>
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {row.Recipe} | {row.Source} | {row.Workers} | {row.ImagesPerSecond:F0} | {row.PerWorker:F0} |")));
            if (parse.GetValue(json)) CliOutput.Json(output, new { rows });
            return 0;
        });
        return command;
    }

    private static Command Loss()
    {
        var dim = new Option<int>("--dim") { Description = "Embedding dim d", DefaultValueFactory = _ => 2048 };
        var batches = new Option<string>("--batches") { Description = "Batch sizes m, comma-separated", DefaultValueFactory = _ => "256,512,1024,2048" };
        var orders = new Option<string>("--orders") { Description = "Taylor orders, comma-separated", DefaultValueFactory = _ => "1,2,4" };
        var eps = new Option<double>("--eps-d2") { Description = "ε_d² (λ = 1/(m·ε_d²)); the reference's ε = 64 at d = 2048 gives 1/32", DefaultValueFactory = _ => 1.0 / 32 };
        var repeats = new Option<int>("--repeats") { Description = "Timed runs per cell (median reported)", DefaultValueFactory = _ => 5 };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads (0: one per core)", DefaultValueFactory = _ => 0 };
        var device = new Option<string>("--device") { Description = "cpu, cuda or auto", DefaultValueFactory = _ => "cpu" };
        var json = new Option<bool>("--json") { Description = "End with one line of JSON holding the rows" };
        var command = new Command("loss", "Taylor-series MEC loss against the exact log-det (paper, Figure 3/6): time and relative error")
        {
            dim, batches, orders, eps, repeats, threads, device, json,
        };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var options = new LossBenchmarkOptions(parse.GetValue(dim), Ints(parse.GetValue(batches)!), Ints(parse.GetValue(orders)!), parse.GetValue(eps), parse.GetValue(repeats), parse.GetValue(threads),
                Device: CliOutput.Device(parse.GetValue(device)!));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"MEC loss: Taylor series vs exact log-det, d = {options.Dim}, ε_d² = {options.EpsD2:G4}, median of {options.Repeats} runs, {(options.Threads > 0 ? options.Threads : Environment.ProcessorCount)} threads"));
            output.WriteLine($"| m | method | forward ms | fwd+bwd ms | rel. error | ‖C‖₂ |");
            output.WriteLine($"|---|---|---|---|---|---|");
            var rows = new List<LossBenchmarkRow>();
            foreach (var row in LossBenchmark.Run(options))
            {
                rows.Add(row);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {row.Batch} | {row.Method} | {row.ForwardMs:F1} | {(row.ForwardBackwardMs is { } b ? b.ToString("F1", CultureInfo.InvariantCulture) : "–")} | {row.RelativeError:E1} | {row.SpectralNorm:F3} |"));
            }
            if (parse.GetValue(json)) CliOutput.Json(output, new { threads = options.Threads > 0 ? options.Threads : Environment.ProcessorCount, rows });
            return 0;
        });
        return command;
    }

    private static int[] Ints(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v > 0 ? v : throw new ArgumentException($"'{s}' in '{text}' is not a positive whole number")).ToArray();
}
