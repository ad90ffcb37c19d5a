using System.Diagnostics;
using OnnxMec.Contract;
using OnnxMec.Graphs;
using OnnxMec.Runtime;

namespace OnnxMec.Host.Bench;

internal sealed record StepBenchmarkOptions(string Model, int Batch, int Threads, double? Width, int Steps = 10, int Warmup = 2, DeviceKind Device = DeviceKind.Cpu, bool Split = true, string? ProfilePrefix = null, bool BlockedConv = true,
    StateMemory? StateMemory = null);

/// <summary>Milliseconds per call after warm-up: median, min, max.</summary>
internal sealed record Timing(double MedianMs, double MinMs, double MaxMs)
{
    public static Timing Of(List<double> ms)
    {
        ms.Sort();
        return new Timing(ms[ms.Count / 2], ms[0], ms[^1]);
    }
}

internal sealed record StepBenchmarkResult(string Set, int Batch, int Threads, long Parameters, Timing Step, Timing? TrainingModel, Timing? Optimizer, Timing? Ema,
    double ImagesPerSecond, double PeakRssMb, double LoadSeconds, IReadOnlyList<string> ProfileFiles, DeviceKind Device, StateMemory StateMemory, int Processes = 1, double CommunicationShare = 0);

/// <summary>
/// Times the full MEC training step (the fused train_step graph: two views through the online and
/// target networks, order-4 loss, backward, SGD, EMA) on seeded N(0, 1) inputs, and the split where
/// the graphs allow it: training_model (forward + backward), optimizer_model and ema_model. Under
/// mpirun with several processes it times the data-parallel step instead (each process with its
/// shard of the batch) and the share of it spent exchanging with the others.
/// </summary>
internal static class StepBenchmark
{
    public static StepBenchmarkResult Run(StepBenchmarkOptions o)
    {
        var clock = Stopwatch.StartNew();
        string folder = SetFolder(o);
        var set = ArtifactSetFolder.Open(folder);
        if (o.ProfilePrefix is { } prefix && Path.GetDirectoryName(Path.GetFullPath(prefix)) is { } profileFolder) Directory.CreateDirectory(profileFolder);
        var factory = new SessionFactory(new RuntimeOptions { Threads = o.Threads, Device = o.Device, ProfilePrefix = o.ProfilePrefix, BlockedConv = o.BlockedConv, StateMemory = o.StateMemory });
        var started = DateTime.UtcNow;
        var session = TrainingSession.Create(set, factory);
        var c = set.Manifest.Config;
        int per = c.Channels * c.ImageSize * c.ImageSize;
        var rng = new Random(0);
        var group = Distributed.ProcessGroup.Current;
        if (o.Batch % group.Size != 0) throw new ArgumentException($"--batch {o.Batch} does not split into {group.Size} equal shards");
        int local = o.Batch / group.Size;
        var view1 = Enumerable.Range(0, local * per).Select(_ => (float)rng.NextGaussian()).ToArray();
        var view2 = Enumerable.Range(0, local * per).Select(_ => (float)rng.NextGaussian()).ToArray();
        // The peer's speed settings: λ = 1/(m·ε_d²) with ε_d² = 1, SGD lr 0.03·m/256, EMA 0.996; a loss
        // scalar other than MEC's λ⁻¹ gets 1.
        var scalars = session.ScalarInputs().ToDictionary(i => i.Name, _ => 1f, StringComparer.Ordinal);
        scalars[ArtifactNames.Lr] = 0.03f * o.Batch / 256;
        scalars[ArtifactNames.EmaMomentum] = 0.996f;
        if (scalars.ContainsKey(MecObjective.LambdaInv)) scalars[MecObjective.LambdaInv] = o.Batch;

        var timings = new StepTimings();
        double communication = 0, total = 0;
        void Fused()
        {
            long start = Stopwatch.GetTimestamp();
            session.DataParallelStep(view1, view2, local, scalars, group, timings);
            total += Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            communication += timings.CommunicationMs;
        }
        Fused();
        double load = clock.Elapsed.TotalSeconds;
        Timing step;
        Timing? training, optimizer, ema;
        bool split = o.Split && group.Size == 1;
        using (session)
        {
            step = Repeat(o, Fused);
            training = split ? Repeat(o, () => session.TrainStep(view1, view2, o.Batch, scalars)) : null;
            optimizer = split ? Repeat(o, () => session.OptimizerStep(scalars)) : null;
            ema = split ? Repeat(o, () => session.EmaStep(scalars)) : null;
        }
        double peak = PeakRssMb();
        long parameters = set.Manifest.Tensors.Where(t => t.Role == Roles.Param).Sum(t => t.Shape.Aggregate(1L, (a, b) => a * b));
        double share = total > 0 ? communication / total : 0;
        return new StepBenchmarkResult(set.Manifest.Name, o.Batch, o.Threads > 0 ? o.Threads : Environment.ProcessorCount, parameters, step, training, optimizer, ema,
            1000 * o.Batch / step.MedianMs, peak, load, ProfileFiles(o.ProfilePrefix, started), factory.Device, factory.StateMemory, group.Size, group.Size == 1 ? 0 : Math.Min(1, share));
    }

    /// <summary>The profiles ORT wrote when the sessions were disposed: prefix_timestamp.json, newer than the run's start.</summary>
    private static IReadOnlyList<string> ProfileFiles(string? prefix, DateTime started)
    {
        if (prefix is null) return [];
        string folder = Path.GetDirectoryName(Path.GetFullPath(prefix))!;
        return Directory.EnumerateFiles(folder, Path.GetFileName(prefix) + "*.json")
            .Where(f => File.GetLastWriteTimeUtc(f) >= started).Order(StringComparer.Ordinal).ToList();
    }

    private static Timing Repeat(StepBenchmarkOptions o, Action action)
    {
        for (int i = 0; i < o.Warmup; i++) action();
        var ms = new List<double>();
        for (int i = 0; i < o.Steps; i++)
        {
            long start = Stopwatch.GetTimestamp();
            action();
            ms.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        return Timing.Of(ms);
    }

    /// <summary>The committed set of a preset, or one built into a temporary folder when the width is changed.</summary>
    private static string SetFolder(StepBenchmarkOptions o)
    {
        if (!ArtifactPresets.All.TryGetValue(o.Model, out var preset))
            throw new ArgumentException($"--model '{o.Model}' is not a preset ({string.Join(", ", ArtifactPresets.All.Keys)})");
        if (o.Width is null) return Cli.RepositoryPaths.Resolve(Path.Combine("artifacts", o.Model));
        var config = preset with { Width = o.Width.Value };
        string name = $"{o.Model}-w{o.Width.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        string folder = Path.Combine(Path.GetTempPath(), "onnxmec-bench-sets", name);
        ArtifactSetBuilder.Build(name, config).WriteTo(folder);
        return folder;
    }

    /// <summary>The process's peak resident set (VmHWM), in MiB.</summary>
    private static double PeakRssMb()
    {
        const string path = "/proc/self/status";
        if (!File.Exists(path)) return Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024);
        var line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024.0;
    }
}
