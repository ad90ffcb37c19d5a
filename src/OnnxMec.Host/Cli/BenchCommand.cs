using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using OnnxMec.Host.Bench;
using OnnxMec.Runtime;

namespace OnnxMec.Host.Cli;

/// <summary>`onnxmec bench …`: benchmarks that print a table (never timed tests).</summary>
internal static class BenchCommand
{
    public static Command Create() => new("bench", "Benchmarks that print a table") { Step(), Loss(), Data(), Ablations(), Quality() };

    private static Command Quality()
    {
        var config = new Option<string>("--config") { Description = "The pre-training config", DefaultValueFactory = _ => "src/OnnxMec.Host/configs/fashion-mnist-60k.json" };
        var runDir = new Option<string?>("--run-dir") { Description = "Run folder of the pre-training (default runs/quality-<time>)" };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "Evaluate this checkpoint instead of pre-training one" };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads (0: one per core)", DefaultValueFactory = _ => 0 };
        var probeEpochs = new Option<int>("--probe-epochs") { Description = "Epochs of each linear probe", DefaultValueFactory = _ => 30 };
        var json = new Option<bool>("--json") { Description = "End with one line of JSON holding the rows" };
        var command = new Command("quality", "Pre-train on Fashion-MNIST's 60,000 training images, then the encoder against raw pixels: kNN over a sweep of k with two banks, and a linear probe")
        {
            config, runDir, checkpoint, threads, probeEpochs, json,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            string? ckpt = parse.GetValue(checkpoint);
            double trainingSeconds = 0;
            if (ckpt is null)
            {
                if (OnnxMec.Data.FashionMnist.Train() is null)
                    throw new InvalidDataException($"{OnnxMec.Data.FashionMnist.SystemFolder}: Fashion-MNIST's 60,000 training images are not installed; install Debian's dataset-fashion-mnist (tools/quality-benchmark.sh does)");
                string dir = parse.GetValue(runDir) ?? Path.Combine("runs", $"quality-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
                var overrides = new Dictionary<string, string?> { ["RunDir"] = dir, ["Threads"] = parse.GetValue(threads).ToString(CultureInfo.InvariantCulture) };
                Training.TrainingOutcome? outcome = null;
                int exit = await TrainCommand.Run(Configuration.ConfigurationSources.Build(RepositoryPaths.Resolve(parse.GetValue(config)!), new Dictionary<string, string?>(), overrides),
                    resume: false, json: false, output, cancel, o => { outcome = o; output.WriteLine(TrainCommand.Summary(o)); });
                if (exit != 0 || outcome?.Checkpoint is null || outcome.Interrupted) return exit != 0 ? exit : 1;
                ckpt = outcome.Checkpoint;
                trainingSeconds = outcome.Seconds;
            }
            var encoder = Evaluation.TrainedEncoder.Load(ckpt, null);
            var run = encoder.Run ?? throw new InvalidDataException($"{ckpt}: the checkpoint carries no run configuration, so its data is unknown");
            var data = Training.TrainingData.Create(run.DataSource, run.Options.Data, run.Recipe, encoder.Set.Manifest.Config);
            var factory = new Runtime.SessionFactory(new Runtime.RuntimeOptions { Threads = parse.GetValue(threads) });
            output.WriteLine($"Evaluating {ckpt} and raw pixels: banks from {data.Train.Name}, queries {data.Queries?.Name}");
            var rows = QualityBenchmark.Evaluate(encoder, data, factory, parse.GetValue(probeEpochs), line => output.WriteLine("  " + line));
            var report = QualityBenchmark.Report(rows);
            foreach (var line in report) output.WriteLine(line);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Pre-training {trainingSeconds / 60:F1} min, all {clock.Elapsed.TotalMinutes:F1} min"));
            Contract.AtomicFile.WriteAllText(Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetFullPath(ckpt))!)!, "quality.md"),
                string.Join("\n", report) + "\n");
            if (parse.GetValue(json)) CliOutput.Json(output, new QualityBenchJson(ckpt, trainingSeconds, clock.Elapsed.TotalSeconds, rows));
            return 0;
        });
        return command;
    }

    private static Command Ablations()
    {
        var epochs = new Option<int>("--epochs") { Description = $"Epochs of every run (default {AblationSweep.DefaultEpochs})", DefaultValueFactory = _ => AblationSweep.DefaultEpochs };
        var seeds = new Option<int[]>("--seeds", "--seed") { Description = "Seeds: every setting is trained once per seed, and the table gives the mean and sd (e.g. --seeds 0 1 2)", DefaultValueFactory = _ => [0], AllowMultipleArgumentsPerToken = true };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads (0: one per core)", DefaultValueFactory = _ => 0 };
        var folder = new Option<string?>("--out") { Description = "Folder for the runs, the table (ablations.md) and the chart (ablations.png); default runs/ablations-<time>. The same command with the same --out resumes an interrupted sweep" };
        var set = new Option<string[]>("--set") { Description = "Change a setting of every run: KEY=VALUE (e.g. Data:EmbeddedQueries=9000 for a quick check on 1,000 images)", AllowMultipleArgumentsPerToken = true };
        var json = new Option<bool>("--json") { Description = "End with one line of JSON holding the rows" };
        var command = new Command("ablations", "The paper's ablations on the quickstart's data and network (centre: batch 128, lr 0.6, 8 epochs): Taylor order 1/2/4, batch 32–512, ε_d²; kNN top-1 of each run, a table and a chart")
        {
            epochs, seeds, threads, folder, set, json,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var output = parse.InvocationConfiguration.Output;
            int[] seedList = parse.GetValue(seeds) ?? [0];
            if (seedList.Length is 0 or > 100 || seedList.Distinct().Count() != seedList.Length || seedList.Any(v => v < 0))
                throw new ArgumentException($"--seeds: {string.Join(" ", seedList)}: expected 1 to 100 distinct seeds, none negative");
            if (parse.GetValue(epochs) is < 1 or > 1000) throw new ArgumentException($"--epochs: {parse.GetValue(epochs)} must be from 1 to 1000");
            string outFolder = RepositoryPaths.Resolve(parse.GetValue(folder) ?? Path.Combine("runs", $"ablations-{DateTime.UtcNow:yyyyMMdd-HHmmss}"));
            int settingsCount = AblationSweep.Orders.Length + AblationSweep.Batches.Length + AblationSweep.Eps.Length - 2;
            output.WriteLine($"Ablations on the quickstart's data and network (centre batch {AblationSweep.CentreBatch}, lr {AblationSweep.CentreLr.ToString(CultureInfo.InvariantCulture)}; {parse.GetValue(epochs)} epochs, seeds {string.Join(", ", seedList)}); {settingsCount * seedList.Length} training runs into {outFolder} (finished ones are read back, not trained again)");
            var table = new List<string> { "| varied | setting | kNN top-1 random init | kNN top-1 trained | sd | gain | each seed | seconds |", "|---|---|---|---|---|---|---|---|" };
            output.WriteLine(table[0]);
            output.WriteLine(table[1]);
            IReadOnlyList<AblationRow> rows;
            try
            {
                rows = await AblationSweep.Run(outFolder, parse.GetValue(epochs), seedList, parse.GetValue(threads), CliOutput.Settings(parse.GetValue(set) ?? []), row =>
                {
                    string Top1(double v) => double.IsNaN(v) ? "diverged" : string.Create(CultureInfo.InvariantCulture, $"{v:F2}");
                    string line = string.Create(CultureInfo.InvariantCulture,
                        $"| {row.Axis} | {row.Setting} | {row.KnnInit:F2} % | {(double.IsNaN(row.KnnTrained) ? "diverged" : $"{row.KnnTrained:F2} %")} | {(double.IsNaN(row.KnnTrainedSd) ? "–" : $"{row.KnnTrainedSd:F2}")} | {row.KnnTrained - row.KnnInit:+0.00;-0.00} | {string.Join(" / ", row.Runs.Select(r => Top1(r.KnnTrained)))} | {row.Seconds:F0} |");
                    table.Add(line);
                    output.WriteLine(line);
                }, cancel);
            }
            catch (AblationSweepInterrupted e)
            {
                output.WriteLine(e.Message);
                return 130;
            }
            Contract.AtomicFile.WriteAllText(Path.Combine(outFolder, "ablations.md"), string.Join("\n", table) + "\n");
            AblationChart.Write(rows, Path.Combine(outFolder, "ablations.png"));
            output.WriteLine($"Table: {Path.Combine(outFolder, "ablations.md")}; chart: {Path.Combine(outFolder, "ablations.png")}");
            if (parse.GetValue(json)) CliOutput.Json(output, new AblationsBenchJson(rows));
            return 0;
        });
        return command;
    }

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
        var memory = new Option<string?>("--state-memory") { Description = "managed (pinned host arrays; the CPU's default) or device (ORT's allocator for the device; CUDA's default)" };
        var command = new Command("step", "Milliseconds per full MEC training step (fused train_step), the split where the graphs allow, and peak RSS")
        {
            model, batch, threads, width, steps, device, fusedOnly, json, profile, blocked, memory,
        };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var r = StepBenchmark.Run(new StepBenchmarkOptions(parse.GetValue(model)!, parse.GetValue(batch), parse.GetValue(threads), parse.GetValue(width), parse.GetValue(steps),
                Device: CliOutput.Device(parse.GetValue(device)!), Split: !parse.GetValue(fusedOnly), ProfilePrefix: parse.GetValue(profile), BlockedConv: parse.GetValue(blocked),
                StateMemory: parse.GetValue(memory) is { } m ? CliOutput.Memory(m) : null));
            string processes = r.Processes > 1 ? $" over {r.Processes} processes ({r.Batch / r.Processes} images each)" : "";
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Set}: batch {r.Batch}{processes}, {r.Parameters:N0} online parameters, on the {CliOutput.Name(r.Device).ToUpperInvariant()} ({r.Threads} threads{(r.Processes > 1 ? " per process" : "")}, state in {CliOutput.Name(r.StateMemory)} memory); first step (incl. loading) {r.LoadSeconds:F1} s"));
            output.WriteLine("| graph | median ms | min | max |");
            output.WriteLine("|---|---|---|---|");
            foreach (var (name, t) in new[] { ("train_step (fused)", r.Step), ("training_model (fwd+bwd)", r.TrainingModel), ("optimizer_model", r.Optimizer), ("ema_model", r.Ema) })
                if (t is not null) output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {t.MedianMs:F1} | {t.MinMs:F1} | {t.MaxMs:F1} |"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{r.ImagesPerSecond:F1} images/s; peak RSS {r.PeakRssMb:F0} MiB{(r.Processes > 1 ? $" (rank 0); {100 * r.CommunicationShare:F1} % of the step exchanging between processes" : "")}"));
            foreach (var file in r.ProfileFiles)
                ProfileSummary.Read(file).WriteTable(output);
            if (parse.GetValue(json))
                CliOutput.Json(output, new StepBenchJson(r.Set, r.Batch, r.Threads, CliOutput.Name(r.Device), CliOutput.Name(r.StateMemory), r.Step.MedianMs, r.Step.MinMs, r.Step.MaxMs,
                    r.TrainingModel?.MedianMs, r.Optimizer?.MedianMs, r.Ema?.MedianMs, r.ImagesPerSecond, r.PeakRssMb, r.Processes, r.CommunicationShare));
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
            if (parse.GetValue(json)) CliOutput.Json(output, new DataBenchJson(rows));
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
            var options = new LossBenchmarkOptions(parse.GetValue(dim), Ints(parse.GetValue(batches)!), Ints(parse.GetValue(orders)!), parse.GetValue(eps), parse.GetValue(repeats), parse.GetValue(threads));
            var factory = new SessionFactory(new RuntimeOptions { Threads = options.Threads, Device = CliOutput.Device(parse.GetValue(device)!) });
            int cpuThreads = options.Threads > 0 ? options.Threads : Environment.ProcessorCount;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"MEC loss: Taylor series vs exact log-det, d = {options.Dim}, ε_d² = {options.EpsD2:G4}, median of {options.Repeats} runs, ORT on the {CliOutput.Name(factory.Device).ToUpperInvariant()} ({cpuThreads} CPU threads)"));
            output.WriteLine($"| m | method | forward ms | fwd+bwd ms | rel. error | ‖C‖₂ |");
            output.WriteLine($"|---|---|---|---|---|---|");
            var rows = new List<LossBenchmarkRow>();
            foreach (var row in LossBenchmark.Run(options, factory))
            {
                rows.Add(row);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {row.Batch} | {row.Method} | {row.ForwardMs:F1} | {(row.ForwardBackwardMs is { } b ? b.ToString("F1", CultureInfo.InvariantCulture) : "–")} | {row.RelativeError:E1} | {row.SpectralNorm:F3} |"));
            }
            if (parse.GetValue(json)) CliOutput.Json(output, new LossBenchJson(cpuThreads, CliOutput.Name(factory.Device), rows));
            return 0;
        });
        return command;
    }

    private static int[] Ints(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v > 0 ? v : throw new ArgumentException($"'{s}' in '{text}' is not a positive whole number")).ToArray();
}

/// <summary>`bench step --json`.</summary>
internal sealed record StepBenchJson(string Set, int Batch, int Threads, string Device, string StateMemory, double MedianMs, double MinMs, double MaxMs,
    double? ForwardBackwardMs, double? OptimizerMs, double? EmaMs, double ImagesPerSecond, double PeakRssMb, int Processes, double CommunicationShare);

/// <summary>`bench quality --json`.</summary>
internal sealed record QualityBenchJson(string Checkpoint, double TrainingSeconds, double Seconds, IReadOnlyList<QualityRow> Rows);

/// <summary>`bench ablations --json`.</summary>
internal sealed record AblationsBenchJson(IReadOnlyList<AblationRow> Rows);

/// <summary>`bench data --json`.</summary>
internal sealed record DataBenchJson(IReadOnlyList<DataBenchmarkRow> Rows);

/// <summary>`bench loss --json`: rows of ORT timings on the device, and the C# float64 reference on the CPU.</summary>
internal sealed record LossBenchJson(int Threads, string Device, IReadOnlyList<LossBenchmarkRow> Rows);
