using System.Text.Json;
using Microsoft.Extensions.Logging;
using OnnxMec.Contract;
using OnnxMec.Data;
using OnnxMec.Graphs;
using OnnxMec.Host.Cli;
using OnnxMec.Host.Configuration;
using OnnxMec.Host.Evaluation;
using OnnxMec.Runtime;

namespace OnnxMec.Host.Training;

/// <summary>
/// Everything one run works with, opened and checked before the first step: the locked run folder,
/// the artifact set and its loss, the data and loader, the schedules, the checkpoint store, the
/// training session (fresh, from imported weights, or resumed), the metrics log and the guard.
/// </summary>
internal sealed class RunContext : IDisposable
{
    private static readonly JsonSerializerOptions ConfigJson = new() { WriteIndented = true };

    private RunContext(TrainingSettings settings, RunFolder folder) { Settings = settings; Folder = folder; }

    public TrainingSettings Settings { get; }
    public TrainingOptions Options => Settings.Options;
    public RunFolder Folder { get; }
    public ArtifactSetFolder Set { get; private set; } = null!;
    public SessionFactory Factory { get; private set; } = null!;
    public TrainingData Data { get; private set; } = null!;
    public TwoViewLoader Loader { get; private set; } = null!;
    public StepScalars Scalars { get; private set; } = null!;
    public CheckpointStore Store { get; private set; } = null!;
    public TrainingSession Session { get; private set; } = null!;
    public MetricsLog Metrics { get; private set; } = null!;
    public DivergenceGuard Guard { get; private set; } = null!;

    /// <summary>The run's configuration as written to config.json and into every checkpoint, normalisation resolved.</summary>
    public string ResolvedConfig { get; private set; } = "";

    public DataPosition Position { get; private set; } = new(0, 0, 0);
    public long StartStep { get; private set; }
    public long TotalSteps => (long)Options.Epochs * Loader.BatchesPerEpoch;

    public static RunContext Open(TrainingSettings settings, bool resume, IProgressReporter progress, ILogger logger)
    {
        var o = settings.Options;
        var set = ArtifactSetFolder.Open(RepositoryPaths.Resolve(o.Artifacts));
        var folder = RunFolder.Acquire(RepositoryPaths.Resolve(o.RunDir ?? Path.Combine("runs", $"{set.Manifest.Name}-{DateTime.UtcNow:yyyyMMdd-HHmmss}")), resume);
        var run = new RunContext(settings, folder) { Set = set };
        try
        {
            run.Prepare(resume, progress, logger);
            return run;
        }
        catch
        {
            run.Dispose();
            throw;
        }
    }

    private void Prepare(bool resume, IProgressReporter progress, ILogger logger)
    {
        var o = Options;
        var config = Set.Manifest.Config;
        var loss = Losses.All.Find(config.Loss) ?? throw new InvalidDataException($"artifact set '{Set.Manifest.Name}' was built with the loss '{config.Loss}', which this build does not have ({string.Join(", ", Losses.All.Names)})");
        var lossSettings = LossSettings.Resolve(loss, config.Loss, o.Loss);
        Factory = new SessionFactory(new RuntimeOptions { Device = Settings.Device, Threads = o.Threads }, logger);
        Data = TrainingData.Create(Settings.DataSource, o.Data, Settings.Recipe, config);
        Loader = new TwoViewLoader(Data.Train, Data.View1, Data.View2,
            new LoaderOptions { BatchSize = o.BatchSize, Workers = o.Data.Workers, Seed = o.Seed, SkipBadImages = o.Data.SkipBadImages }, logger);
        Scalars = new StepScalars(new Schedules(Settings.Schedule, Loader.BatchesPerEpoch), loss, lossSettings, o.BatchSize);
        Store = new CheckpointStore(Folder.Checkpoints, o.KeepCheckpoints);
        var effective = Effective(o, Data);
        ResolvedConfig = JsonSerializer.Serialize(effective, ConfigJson);
        Session = resume ? Resume(effective, progress) : Start();
        AtomicFile.WriteAllText(Folder.Config, ResolvedConfig + "\n");
        Metrics = new MetricsLog(Folder.Metrics);
        Guard = new DivergenceGuard(Set.Manifest.Graphs[ArtifactNames.TrainStep].Outputs.Where(v => Roles.IsReported(v.Role)), o.StopOnSpectralNorm);
    }

    /// <summary>The options with the normalisation that takes effect written in, so config.json says how images were normalised.</summary>
    private static TrainingOptions Effective(TrainingOptions o, TrainingData data)
    {
        var copy = JsonSerializer.Deserialize<TrainingOptions>(JsonSerializer.Serialize(o))!;
        copy.Data.Mean = data.Mean;
        copy.Data.Std = data.Std;
        return copy;
    }

    private TrainingSession Start()
    {
        Position = new DataPosition(Options.Seed, 0, 0);
        if (Options.InitWeights is not { } init) return TrainingSession.Create(Set, Factory);
        string path = RepositoryPaths.Resolve(init);
        var weights = SafeTensors.Read(path).Tensors.Where(t => !t.Name.EndsWith("num_batches_tracked", StringComparison.Ordinal)).ToList();
        return TrainingSession.Create(Set, Factory, weights, path);
    }

    private TrainingSession Resume(TrainingOptions effective, IProgressReporter progress)
    {
        string newest = Store.Newest() ?? throw new InvalidDataException($"{Store.Folder}: no checkpoint to resume from");
        var checkpoint = CheckpointStore.Load(newest);
        if (checkpoint.Info.ArtifactHash != Set.Hash)
            throw new InvalidDataException($"{newest} was trained with artifact set '{checkpoint.Info.ArtifactSet}' (graphs {checkpoint.Info.ArtifactHash[..12]}…), not '{Set.Manifest.Name}' (graphs {Set.Hash[..12]}…)");
        if (checkpoint.Info.RunConfig is { } stored)
        {
            var before = TrainedEncoder.RunConfiguration(stored, newest).Options;
            var (refused, allowed) = ResumeCompatibility.Compare(before, effective,
                (before.Data.Mean ?? Settings.DataSource.Mean, before.Data.Std ?? Settings.DataSource.Std), (Data.Mean, Data.Std));
            if (refused.Count > 0)
                throw new InvalidDataException(Problems.Join($"{newest}: resuming needs the settings the run was trained with (the checkpoint's → now)", refused));
            foreach (var change in allowed) progress.Message($"resume: {change}");
        }
        if (checkpoint.Info.StepsPerEpoch != Loader.BatchesPerEpoch)
            throw new InvalidDataException($"{newest}: the run had {checkpoint.Info.StepsPerEpoch} steps per epoch, this data gives {Loader.BatchesPerEpoch}: it is not the same data");
        var session = TrainingSession.Create(Set, Factory);
        try
        {
            session.SetState(checkpoint.State, newest);
        }
        catch
        {
            session.Dispose();
            throw;
        }
        Position = checkpoint.Info.Data;
        StartStep = checkpoint.Info.Step;
        progress.Message($"Resuming from {newest} at step {StartStep} (epoch {Position.Epoch + 1}, batch {Position.BatchInEpoch})");
        return session;
    }

    /// <summary>
    /// Writes a checkpoint of the current state, a score only where it was measured on exactly these
    /// weights; returns its path, or null, writing nothing, where a weight is no longer finite (a
    /// step can break the weights before the loss shows it), with what is broken in <paramref name="broken"/>.
    /// </summary>
    public string? Save(long step, int epoch, int batchInEpoch, float loss, double? score, out string? broken)
    {
        var state = Session.GetState();
        foreach (var tensor in state)
            if (tensor.FirstNonFinite() is >= 0 and var bad)
            {
                broken = $"'{tensor.Name}' holds {tensor.AsFloat32()[bad]} at element {bad}";
                return null;
            }
        broken = null;
        return Store.Save(state, new CheckpointInfo(step, epoch, Set.Manifest.Name, Set.Hash, Set.Manifest.Config, Settings.Schedule, Loader.BatchesPerEpoch,
            new DataPosition(Options.Seed, epoch, batchInEpoch), float.IsFinite(loss) ? loss : null, score, ResolvedConfig));
    }

    public void Dispose()
    {
        Metrics?.Dispose();
        Session?.Dispose();
        Folder.Dispose();
    }
}
