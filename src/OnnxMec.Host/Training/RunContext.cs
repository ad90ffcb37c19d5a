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
    private RunContext(TrainingSettings settings, RunFolder? folder, ICommunicator group) { Settings = settings; WrittenFolder = folder; Group = group; }

    public TrainingSettings Settings { get; }
    public TrainingOptions Options => Settings.Options;

    /// <summary>The processes training together (one, unless mpirun started several); rank 0 writes the run folder.</summary>
    public ICommunicator Group { get; }
    public bool IsWriter => WrittenFolder is not null;
    private RunFolder? WrittenFolder { get; }
    public RunFolder Folder => WrittenFolder ?? throw new InvalidOperationException($"rank {Group.Rank} does not write the run folder");

    /// <summary>This process's share of the global batch <see cref="TrainingOptions.BatchSize"/>.</summary>
    public int LocalBatch => Options.BatchSize / Group.Size;
    public ArtifactSetFolder Set { get; private set; } = null!;
    public SessionFactory Factory { get; private set; } = null!;
    public TrainingData Data { get; private set; } = null!;
    public TwoViewLoader Loader { get; private set; } = null!;
    public StepScalars Scalars { get; private set; } = null!;
    public CheckpointStore Store { get; private set; } = null!;
    public TrainingSession Session { get; private set; } = null!;
    public MetricsLog Metrics { get; private set; } = null!;
    public DivergenceGuard Guard { get; private set; } = null!;

    /// <summary>The loss's settings in effect: its defaults with the run's "Loss" section over them.</summary>
    public IReadOnlyDictionary<string, double> LossSettings { get; private set; } = new Dictionary<string, double>();

    /// <summary>The run's configuration as written to config.json and into every checkpoint, normalisation resolved.</summary>
    public string ResolvedConfig { get; private set; } = "";

    public DataPosition Position { get; private set; } = new(0, 0, 0);
    public long StartStep { get; private set; }
    public long TotalSteps => (long)Options.Epochs * Loader.BatchesPerEpoch;

    public static RunContext Open(TrainingSettings settings, bool resume, ICommunicator group, IProgressReporter progress, ILogger logger)
    {
        var o = settings.Options;
        if (o.BatchSize % group.Size != 0 || o.BatchSize / group.Size < 2)
            throw new OptionsInvalidException([$"BatchSize: {o.BatchSize} is the global batch; it must split into equal shards of at least 2 over the {group.Size} processes"]);
        var set = ArtifactSetFolder.Open(RepositoryPaths.Resolve(o.Artifacts));
        if (group.Size > 1 && !DataParallelGraphs.All(set.Manifest.Graphs.ContainsKey))
            throw new InvalidDataException($"artifact set '{set.Manifest.Name}' has no data-parallel graphs ({string.Join(", ", DataParallelGraphs)}); rebuild it with './onnxmec artifacts build'");
        string runDir = RepositoryPaths.Resolve(group.Broadcast(o.RunDir ?? Path.Combine("runs", $"{set.Manifest.Name}-{DateTime.UtcNow:yyyyMMdd-HHmmss}")));
        var folder = group.Rank == 0 ? RunFolder.Acquire(runDir, resume) : null;
        var run = new RunContext(settings, folder, group) { Set = set };
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

    private static readonly string[] DataParallelGraphs = [ArtifactNames.DataParallelForward, ArtifactNames.DataParallelLoss, ArtifactNames.DataParallelBackward];

    private void Prepare(bool resume, IProgressReporter progress, ILogger logger)
    {
        var o = Options;
        var config = Set.Manifest.Config;
        var loss = Losses.All.Find(config.Loss) ?? throw new InvalidDataException($"artifact set '{Set.Manifest.Name}' was built with the loss '{config.Loss}', which this build does not have ({string.Join(", ", Losses.All.Names)})");
        LossSettings = Training.LossSettings.Resolve(loss, config.Loss, o.Loss);
        // Processes on one machine share its cores: by default each takes its part of them.
        int threads = o.Threads > 0 || Group.Size == 1 ? o.Threads : Math.Max(1, Environment.ProcessorCount / Math.Max(1, Distributed.ProcessGroup.LocalSize));
        Factory = new SessionFactory(new RuntimeOptions { Device = Settings.Device, Threads = threads }, logger);
        Data = TrainingData.Create(Settings.DataSource, o.Data, Settings.Recipe, config);
        Loader = new TwoViewLoader(Data.Train, Data.View1, Data.View2,
            new LoaderOptions { BatchSize = LocalBatch, Workers = o.Data.Workers, Seed = o.Seed, SkipBadImages = o.Data.SkipBadImages, Shard = Group.Rank, Shards = Group.Size }, logger);
        Scalars = new StepScalars(new Schedules(Settings.Schedule, Loader.BatchesPerEpoch), loss, LossSettings, o.BatchSize);
        if (IsWriter) Store = new CheckpointStore(Folder.Checkpoints, o.KeepCheckpoints);
        var effective = Effective(o, Data);
        ResolvedConfig = JsonSerializer.Serialize(effective, ConfigurationJsonContext.Indented);
        if (IsWriter)
        {
            Session = resume ? Resume(effective, progress) : Start();
            AtomicFile.WriteAllText(Folder.Config, ResolvedConfig + "\n");
            Metrics = new MetricsLog(Folder.Metrics);
        }
        else Session = TrainingSession.Create(Set, Factory);
        ShareStart();
        Guard = new DivergenceGuard(Set.Manifest.Graphs[ArtifactNames.TrainStep].Outputs.Where(v => Roles.IsReported(v.Role)), o.StopOnSpectralNorm);
    }

    /// <summary>Every process starts from rank 0's state and position (its fresh, imported or resumed state; a checkpoint only rank 0 reads).</summary>
    private void ShareStart()
    {
        if (Group.Size == 1) return;
        Session.BroadcastState(Group);
        var position = new long[] { StartStep, Position.Seed, Position.Epoch, Position.BatchInEpoch };
        Group.Broadcast(System.Runtime.InteropServices.MemoryMarshal.AsBytes(position.AsSpan()));
        StartStep = position[0];
        Position = new DataPosition((int)position[1], (int)position[2], (int)position[3]);
    }

    /// <summary>Stops every process with an error when their states differ (they must stay identical: the same gradients, the same updates).</summary>
    public void VerifyIdentical(long step)
    {
        if (Group.Size == 1) return;
        var sums = Group.AllGather(Session.StateChecksum());
        Metrics?.Write(new VerifyRecord("verify", step, sums.Select(s => s.ToString("x16", System.Globalization.CultureInfo.InvariantCulture)).ToArray()));
        int differing = Array.FindIndex(sums, s => s != sums[0]);
        if (differing >= 0)
            throw new InvalidOperationException($"step {step}: the weights of rank {differing} differ from rank 0's (state checksums {sums[differing]:x16} and {sums[0]:x16}); the processes no longer train the same model");
    }

    /// <summary>The options with the normalisation that takes effect written in, so config.json says how images were normalised.</summary>
    private static TrainingOptions Effective(TrainingOptions o, TrainingData data)
    {
        var json = ConfigurationJsonContext.Default.TrainingOptions;
        var copy = JsonSerializer.Deserialize(JsonSerializer.Serialize(o, json), json)!;
        copy.Data.Mean = data.Mean;
        copy.Data.Std = data.Std;
        return copy;
    }

    private TrainingSession Start()
    {
        Position = new DataPosition(Options.Seed, 0, 0);
        // The run's seed draws the initial weights too (the set's file holds its own seed's draw).
        if (Options.InitWeights is not { } init) return TrainingSession.Create(Set, Factory, Set.InitialOnlineWeights(Options.Seed), $"initial weights of seed {Options.Seed}");
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
        if (checkpoint.Info.Ranks != Group.Size)
            progress.Message($"resume: processes {checkpoint.Info.Ranks} → {Group.Size} (BatchNorm statistics are per process; the shards of the same global batches change size)");
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

    /// <summary>What is broken where a weight is no longer finite (a step can break the weights before the loss shows it), else null.</summary>
    public string? BrokenWeights()
    {
        foreach (var tensor in Session.GetState())
            if (tensor.FirstNonFinite() is >= 0 and var bad)
                return $"'{tensor.Name}' holds {tensor.AsFloat32()[bad]} at element {bad}";
        return null;
    }

    /// <summary>Writes a checkpoint of the current state (rank 0), a score only where it was measured on exactly these weights; returns its path.</summary>
    public string Save(long step, int epoch, int batchInEpoch, float loss, double? score) =>
        Store.Save(Session.GetState(), new CheckpointInfo(step, epoch, Set.Manifest.Name, Set.Hash, Set.Manifest.Config, Settings.Schedule, Loader.BatchesPerEpoch,
            new DataPosition(Options.Seed, epoch, batchInEpoch), float.IsFinite(loss) ? loss : null, score, ResolvedConfig, Group.Size));

    public void Dispose()
    {
        Metrics?.Dispose();
        Session?.Dispose();
        WrittenFolder?.Dispose();
    }
}
