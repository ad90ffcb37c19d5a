using System.Globalization;
using Microsoft.Extensions.Configuration;
using OnnxMec.Contract;
using OnnxMec.Graphs;
using OnnxMec.Host.Cli;
using OnnxMec.Host.Training;

namespace OnnxMec.Host.Bench;

/// <summary>One training run of the sweep: what was varied, its value, and the kNN accuracy before and after.</summary>
internal sealed record AblationRow(string Axis, double Value, string Setting, double KnnInit, double KnnTrained, double Seconds);

/// <summary>
/// The paper's ablations on the quickstart protocol (the embedded Fashion-MNIST split, the
/// resnet18-mini network, its schedule): the Taylor order (1, 2, 4; each its own artifact set),
/// the batch size (32 to 512, the learning rate scaled with it as the reference's lr·batch/256 does,
/// λ = 1/(m·ε_d²) following m), and ε_d². Every other setting is the quickstart's; one run varies
/// one thing. The quickstart itself (order 4, batch 128, ε_d² = 1) is the shared centre point.
/// </summary>
internal static class AblationSweep
{
    public static readonly int[] Orders = [1, 2, 4];
    public static readonly int[] Batches = [32, 64, 128, 256, 512];
    public static readonly double[] Eps = [1.0 / 32, 0.25, 1, 4];

    public static async Task<IReadOnlyList<AblationRow>> Run(string folder, int epochs, int seed, int threads, IReadOnlyDictionary<string, string?> common,
        Action<AblationRow> report, CancellationToken cancel)
    {
        Task<AblationRow> Train(string name, (string Key, string Value)[] changes) => TrainOne(folder, name, epochs, seed, threads, common, changes, cancel);
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
            if (batch == 128) { Add(centre with { Axis = "batch", Value = 128, Setting = "batch 128, lr 0.6" }); continue; }
            double lr = 0.6 * batch / 128;
            var r = await Train($"batch{batch}", [("BatchSize", batch.ToString(CultureInfo.InvariantCulture)), ("Lr", lr.ToString(CultureInfo.InvariantCulture))]);
            Add(r with { Axis = "batch", Value = batch, Setting = string.Create(CultureInfo.InvariantCulture, $"batch {batch}, lr {lr:0.###}") });
        }
        foreach (double eps in Eps)
        {
            if (eps == 1) { Add(centre with { Axis = "eps_d2", Value = 1, Setting = "ε_d² 1" }); continue; }
            var r = await Train($"eps{eps.ToString("0.#####", CultureInfo.InvariantCulture)}", [("Loss:EpsD2", eps.ToString("R", CultureInfo.InvariantCulture))]);
            Add(r with { Axis = "eps_d2", Value = eps, Setting = string.Create(CultureInfo.InvariantCulture, $"ε_d² {eps:0.#####}") });
        }
        return rows;
    }

    private static async Task<AblationRow> TrainOne(string folder, string name, int epochs, int seed, int threads, IReadOnlyDictionary<string, string?> common,
        (string Key, string Value)[] changes, CancellationToken cancel)
    {
        var overrides = new Dictionary<string, string?>(common, StringComparer.OrdinalIgnoreCase)
        {
            ["Epochs"] = epochs.ToString(CultureInfo.InvariantCulture), ["Seed"] = seed.ToString(CultureInfo.InvariantCulture),
            ["Threads"] = threads.ToString(CultureInfo.InvariantCulture), ["Export"] = "false",
            ["RunDir"] = Path.Combine(folder, "runs", $"{name}-seed{seed}"),
        };
        foreach (var (key, value) in changes) overrides[key] = value;
        var configuration = new ConfigurationBuilder().AddJsonStream(QuickstartCommand.Config()).AddInMemoryCollection(overrides).Build();
        TrainingOutcome? outcome = null;
        int exit = await TrainCommand.Run(configuration, resume: false, json: false, TextWriter.Null, cancel, o => outcome = o);
        if (outcome is null || outcome.KnnInit is not { } before) throw new InvalidOperationException($"the ablation run '{name}' ended without measuring the random init (exit {exit})");
        // A run that diverged or failed to evaluate is a result too: it is kept, as NaN.
        return new AblationRow("", 0, "", before.Result.Top1, outcome.KnnFinal?.Top1 ?? double.NaN, outcome.Seconds);
    }
}
