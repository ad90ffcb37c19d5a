using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using OnnxMec.Contract;
using OnnxMec.Graphs;
using OnnxMec.Host.Cli;
using OnnxMec.Host.Training;
using OnnxMec.Runtime;

namespace OnnxMec.Host.Bench;

/// <summary>One setting of the sweep: what was varied, its value, and kNN top-1 before and after training, over its seeds (mean, and sample sd of the trained accuracy).</summary>
internal sealed record AblationRow(string Axis, double Value, string Setting, double KnnInit, double KnnTrained, double KnnTrainedSd, double Seconds,
    IReadOnlyList<AblationRun> Runs);

/// <summary>One training run: its seed, kNN top-1 at random init and after training (NaN when it diverged), and its training time.</summary>
internal sealed record AblationRun(int Seed, double KnnInit, double KnnTrained, double Seconds);

/// <summary>Ctrl+C or SIGTERM ended a run of the sweep; it has checkpointed, and the same command resumes the sweep.</summary>
internal sealed class AblationSweepInterrupted(string runDir) : Exception($"{runDir}: interrupted; run the same command again to resume the sweep from this run's last checkpoint");

/// <summary>
/// The paper's ablations on the quickstart's data and network (the embedded Fashion-MNIST split, the
/// resnet18-mini network, its schedule): the Taylor order (1, 2, 4; each its own artifact set),
/// the batch size (32 to 512, the learning rate scaled with it as the reference's lr·batch/256 does,
/// λ = 1/(m·ε_d²) following m), and ε_d². One run varies one thing from the centre point: order 4,
/// ε_d² = 1, batch 128 at lr 0.6 for 8 epochs, every other setting the quickstart's. The centre's
/// batch, lr and length are fixed here rather than read from the quickstart, so the sweep measures
/// the same thing however the quickstart's own budget is tuned.
/// </summary>
internal static class AblationSweep
{
    public const int CentreBatch = 128, DefaultEpochs = 8;
    public const double CentreLr = 0.6;
    public static readonly int[] Orders = [1, 2, 4];
    public static readonly int[] Batches = [32, 64, 128, 256, 512];
    public static readonly double[] Eps = [1.0 / 32, 0.25, 1, 4];

    /// <summary>What a finished run left in its folder; a rerun of the sweep reads it instead of training again.</summary>
    public const string ResultFile = "ablation-result.json";

    public static async Task<IReadOnlyList<AblationRow>> Run(string folder, int epochs, IReadOnlyList<int> seeds, int threads, IReadOnlyDictionary<string, string?> common,
        Action<AblationRow> report, CancellationToken cancel)
    {
        async Task<AblationRow> Train(string name, (string Key, string Value)[] changes)
        {
            var runs = new List<AblationRun>();
            foreach (int seed in seeds) runs.Add(await TrainOne(folder, name, epochs, seed, threads, common, changes, cancel));
            return Summarise(runs);
        }
        var centre = await Train("centre", []);
        var rows = new List<AblationRow>();
        void Add(AblationRow row) { rows.Add(row); report(row); }
        foreach (int order in Orders)
        {
            if (order == 4) { Add(centre with { Axis = "order", Value = 4, Setting = "order 4" }); continue; }
            string set = Path.Combine(folder, "sets", $"resnet18-mini-order{order}");
            if (!File.Exists(Path.Combine(set, Manifest.FileName)))
                ArtifactSetBuilder.Build($"resnet18-mini-order{order}", ArtifactPresets.All["resnet18-mini"] with { Order = order }).WriteTo(set);
            var r = await Train($"order{order}", [("Artifacts", set)]);
            Add(r with { Axis = "order", Value = order, Setting = $"order {order}" });
        }
        foreach (int batch in Batches)
        {
            double lr = CentreLr * batch / CentreBatch;
            string setting = string.Create(CultureInfo.InvariantCulture, $"batch {batch}, lr {lr:0.###}");
            var r = batch == CentreBatch ? centre
                : await Train($"batch{batch}", [("BatchSize", batch.ToString(CultureInfo.InvariantCulture)), ("Lr", lr.ToString(CultureInfo.InvariantCulture))]);
            Add(r with { Axis = "batch", Value = batch, Setting = setting });
        }
        foreach (double eps in Eps)
        {
            if (eps == 1) { Add(centre with { Axis = "eps_d2", Value = 1, Setting = "ε_d² 1" }); continue; }
            var r = await Train($"eps{eps.ToString("0.#####", CultureInfo.InvariantCulture)}", [("Loss:EpsD2", eps.ToString("R", CultureInfo.InvariantCulture))]);
            Add(r with { Axis = "eps_d2", Value = eps, Setting = string.Create(CultureInfo.InvariantCulture, $"ε_d² {eps:0.#####}") });
        }
        return rows;
    }

    /// <summary>Means over the seeds; a diverged run (NaN) makes the setting's trained accuracy NaN, as it should be read.</summary>
    private static AblationRow Summarise(IReadOnlyList<AblationRun> runs)
    {
        double mean = runs.Average(r => r.KnnTrained);
        double sd = runs.Count < 2 ? double.NaN : Math.Sqrt(runs.Sum(r => (r.KnnTrained - mean) * (r.KnnTrained - mean)) / (runs.Count - 1));
        return new AblationRow("", 0, "", runs.Average(r => r.KnnInit), mean, sd, runs.Sum(r => r.Seconds), runs);
    }

    /// <summary>
    /// One run, or what is left of it: a finished run's result file is read back; an interrupted run
    /// with a checkpoint is resumed from it; a folder with neither (killed before its first
    /// checkpoint) is moved aside, never deleted, and the run starts again.
    /// </summary>
    private static async Task<AblationRun> TrainOne(string folder, string name, int epochs, int seed, int threads, IReadOnlyDictionary<string, string?> common,
        (string Key, string Value)[] changes, CancellationToken cancel)
    {
        string runDir = Path.Combine(folder, "runs", $"{name}-seed{seed}");
        var overrides = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["BatchSize"] = CentreBatch.ToString(CultureInfo.InvariantCulture), ["Lr"] = CentreLr.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in common) overrides[key] = value;
        overrides["Epochs"] = epochs.ToString(CultureInfo.InvariantCulture);
        overrides["Seed"] = seed.ToString(CultureInfo.InvariantCulture);
        overrides["Export"] = "false";
        overrides["RunDir"] = runDir;
        foreach (var (key, value) in changes) overrides[key] = value;
        // What the run is, as the result file records it: the thread count changes only its speed.
        string settings = string.Join(" ", overrides.Where(o => !o.Key.Equals("RunDir", StringComparison.OrdinalIgnoreCase))
            .OrderBy(o => o.Key, StringComparer.OrdinalIgnoreCase).Select(o => $"{o.Key}={o.Value}"));
        overrides["Threads"] = threads.ToString(CultureInfo.InvariantCulture);

        string resultPath = Path.Combine(runDir, ResultFile);
        if (File.Exists(resultPath)) return ReadResult(resultPath, seed, settings);
        bool resume = new CheckpointStore(Path.Combine(runDir, "checkpoints")).Newest() is not null;
        if (Directory.Exists(runDir) && !resume)
            Directory.Move(runDir, $"{runDir}.incomplete-{DateTime.UtcNow:yyyyMMdd-HHmmss}");

        var configuration = new ConfigurationBuilder().AddJsonStream(QuickstartCommand.Config()).AddInMemoryCollection(overrides).Build();
        TrainingOutcome? outcome = null;
        int exit = await TrainCommand.Run(configuration, resume, json: false, TextWriter.Null, cancel, o => outcome = o);
        if (outcome is { Interrupted: true }) throw new AblationSweepInterrupted(runDir);
        // The random init is measured when a run starts; a resumed run reads it from its metrics log.
        double? before = outcome?.KnnInit?.Result.Top1 ?? (resume ? InitFromMetrics(runDir) : null);
        if (outcome is null || before is not { } init) throw new InvalidOperationException($"the ablation run '{name}' ended without measuring the random init (exit {exit})");
        // A run that diverged or failed to evaluate is a result too: it is kept, as NaN.
        var run = new AblationRun(seed, init, outcome.KnnFinal?.Top1 ?? double.NaN, outcome.Seconds);
        AtomicFile.WriteAllText(resultPath, JsonSerializer.Serialize(new AblationResultFile(settings, run.KnnInit, run.KnnTrained, run.Seconds), Cli.OutputJsonContext.Default.AblationResultFile));
        return run;
    }

    private static double? InitFromMetrics(string runDir)
    {
        string metrics = Path.Combine(runDir, "metrics.jsonl");
        if (!File.Exists(metrics)) return null;
        foreach (var record in MetricsLog.Read(metrics, "knn"))
            if (record.TryGetProperty("step", out var step) && step.ValueKind == JsonValueKind.Number && step.GetInt64() == 0
                && record.TryGetProperty("knn_top1", out var top1) && top1.ValueKind == JsonValueKind.Number)
                return top1.GetDouble();
        return null;
    }

    private static AblationRun ReadResult(string path, int seed, string settings)
    {
        AblationResultFile? result;
        try
        {
            InputFiles.Check(path, "an ablation run's result", InputFiles.JsonLimit);
            result = JsonSerializer.Deserialize(File.ReadAllText(path), Cli.OutputJsonContext.Default.AblationResultFile);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not an ablation result ({e.Message}); remove the file to train that run again");
        }
        if (result is null || result.Settings is null || !double.IsFinite(result.KnnInit) || result.KnnInit is < 0 or > 100 || !double.IsNaN(result.KnnTrained) && result.KnnTrained is < 0 or > 100
            || !double.IsFinite(result.Seconds) || result.Seconds < 0)
            throw new InvalidDataException($"{path}: expected knn_init and knn_trained from 0 to 100 (NaN for a diverged run) and seconds ≥ 0; remove the file to train that run again");
        if (result.Settings != settings)
            throw new InvalidDataException($"{path}: this run was made with other settings ({result.Settings}) than this sweep asks for ({settings}); give the sweep another --out");
        return new AblationRun(seed, result.KnnInit, result.KnnTrained, result.Seconds);
    }
}

/// <summary>The result file of a finished run (knn_trained "NaN" when it diverged).</summary>
internal sealed record AblationResultFile(string Settings, double KnnInit, double KnnTrained, double Seconds);
