using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using OnnxMec.Data;
using OnnxMec.Formats;
using OnnxMec.Host.Cli;
using OnnxMec.Host.Configuration;
using OnnxMec.Host.Evaluation;
using OnnxMec.Runtime;

namespace OnnxMec.Host.Training;

/// <summary>How a run ended.</summary>
public sealed record TrainingOutcome(string RunDir, long Steps, double Seconds, KnnResult? KnnInit, KnnResult? KnnFinal,
    bool Interrupted, string? StopReason, int SkippedImages, string? Encoder);

/// <summary>
/// One MEC pre-training run: data through the two-view loader into the fused train_step, the
/// schedules by global step, metrics per step, the kNN monitor, checkpoints at epoch ends (and on a
/// stop request), and at the end the exported encoder and a chart. Resumes exactly from the newest
/// checkpoint of its run folder.
/// </summary>
internal sealed class Trainer(TrainingOptions options, IProgressReporter progress, ILogger logger)
{
    private static readonly JsonSerializerOptions ConfigJson = new() { WriteIndented = true };

    public async Task<TrainingOutcome> RunAsync(bool resume, CancellationToken stop)
    {
        var clock = Stopwatch.StartNew();
        var set = ArtifactSetFolder.Open(RepositoryPaths.Resolve(options.Artifacts));
        var manifest = set.Manifest;
        var factory = new SessionFactory(new RuntimeOptions { Device = Enum.Parse<DeviceKind>(options.Device, ignoreCase: true), Threads = options.Threads }, logger);
        var run = new RunFolder(RepositoryPaths.Resolve(options.RunDir ?? Path.Combine("runs", $"{manifest.Name}-{DateTime.UtcNow:yyyyMMdd-HHmmss}")));
        var data = TrainingData.Create(options.Data, manifest.Config);
        var loader = new TwoViewLoader(data.Train, data.View1, data.View2,
            new LoaderOptions { BatchSize = options.BatchSize, Workers = options.Data.Workers, Seed = options.Seed, SkipBadImages = options.Data.SkipBadImages }, logger);
        var schedules = new Schedules(new ScheduleOptions
        {
            BaseLearningRate = options.Lr, WarmupEpochs = options.WarmupEpochs, Epochs = options.Epochs, LearningRate = options.LrSchedule,
            LambdaInv = options.BatchSize * options.EpsD2, LambdaWarmupFactor = options.LambdaWarmupFactor,
            EmaMomentum = options.EmaMomentum, EmaSchedule = options.EmaSchedule,
        }, loader.BatchesPerEpoch);
        var store = new CheckpointStore(run.Checkpoints, options.KeepCheckpoints);
        string resolvedConfig = JsonSerializer.Serialize(options, ConfigJson);

        using var session = OpenSession(set, factory, store, resume, out var position, out long step);
        AtomicFile.WriteAllText(run.Config, resolvedConfig + "\n");
        using var metrics = new MetricsLog(run.Metrics);
        var guard = new DivergenceGuard(stopOnSpectral: options.StopOnSpectralNorm);
        long totalSteps = (long)options.Epochs * loader.BatchesPerEpoch;
        progress.Message($"Training '{manifest.Name}' on {data.Train.Name}: {data.Train.Count:N0} images, batch {options.BatchSize}, " +
            $"{options.Epochs} epochs of {loader.BatchesPerEpoch} steps, on the {factory.Device.ToString().ToUpperInvariant()}; run folder {run.Path}");

        KnnResult? knnInit = null, knnLast = null;
        if (options.Knn.AtStart && !resume && data.Queries is not null)
            knnInit = knnLast = Knn(session, data, metrics, step, 0, "random init");

        int epoch = position.Epoch, batchInEpoch = position.BatchInEpoch;
        string? stopReason = null;
        bool interrupted = false;
        long savedStep = step;
        float lastLoss = float.NaN;
        double imagesPerSecond = 0;
        var stepClock = Stopwatch.StartNew();
        while (epoch < options.Epochs && stopReason is null && !interrupted)
        {
            try
            {
                await foreach (var batch in loader.ReadEpoch(epoch, batchInEpoch, stop))
                {
                    using (batch)
                    {
                        var scalars = schedules.At(step);
                        var m = session.Step(batch.View1, batch.View2, batch.Count, scalars);
                        step++;
                        batchInEpoch = batch.BatchIndex + 1;
                        double seconds = stepClock.Elapsed.TotalSeconds;
                        stepClock.Restart();
                        imagesPerSecond = imagesPerSecond == 0 ? batch.Count / seconds : 0.9 * imagesPerSecond + 0.1 * batch.Count / seconds;
                        metrics.Write(new StepRecord("step", step, epoch, m.Loss, scalars.LearningRate, scalars.LambdaInv, scalars.EmaMomentum,
                            m.CodingLength, m.PositiveCosine, m.SpectralNorm, imagesPerSecond));
                        progress.Step(step, totalSteps, epoch, m.Loss, imagesPerSecond);
                        var (verdict, message) = guard.Check(step, m);
                        if (verdict == GuardVerdict.Warn) { progress.Message("warning: " + message); logger.LogWarning("{Message}", message); }
                        if (verdict == GuardVerdict.Stop) { stopReason = message; break; }
                        lastLoss = m.Loss;
                        if (options.CheckpointEverySteps > 0 && step % options.CheckpointEverySteps == 0)
                        {
                            Save(session, store, set, schedules, step, epoch, batchInEpoch, lastLoss, null, resolvedConfig);
                            savedStep = step;
                        }
                    }
                    if (stop.IsCancellationRequested) { interrupted = true; break; }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                interrupted = true;
            }
            if (stopReason is not null || interrupted) break;

            epoch++;
            batchInEpoch = 0;
            bool last = epoch == options.Epochs;
            if (!last && options.Knn.EveryEpochs > 0 && epoch % options.Knn.EveryEpochs == 0 && data.Queries is not null)
                knnLast = Knn(session, data, metrics, step, epoch, $"epoch {epoch}");
            if (!last && options.CheckpointEveryEpochs > 0 && epoch % options.CheckpointEveryEpochs == 0)
            {
                Save(session, store, set, schedules, step, epoch, 0, lastLoss, knnLast?.Top1, resolvedConfig);
                savedStep = step;
            }
        }

        if (stopReason is not null)
        {
            progress.Message($"stopped: {stopReason}");
            return new TrainingOutcome(run.Path, step, clock.Elapsed.TotalSeconds, knnInit, knnLast, false, stopReason, loader.SkippedImages, null);
        }
        if (interrupted)
        {
            if (step != savedStep) Save(session, store, set, schedules, step, epoch, batchInEpoch, lastLoss, null, resolvedConfig);
            progress.Message($"interrupted after step {step}; checkpoint written, resume with --resume --run-dir {run.Path}");
            return new TrainingOutcome(run.Path, step, clock.Elapsed.TotalSeconds, knnInit, knnLast, true, null, loader.SkippedImages, null);
        }

        KnnResult? knnFinal = data.Queries is null ? null : Knn(session, data, metrics, step, epoch, "trained");
        Save(session, store, set, schedules, step, epoch, 0, lastLoss, knnFinal?.Top1, resolvedConfig);
        string? encoder = null;
        if (options.Export)
        {
            session.ExportModelForInferencing(run.Encoder);
            encoder = run.Encoder;
            TrainingChart.Write(run.Metrics, run.Chart);
        }
        if (loader.SkippedImages > 0) progress.Message($"{loader.SkippedImages} unreadable images were skipped");
        return new TrainingOutcome(run.Path, step, clock.Elapsed.TotalSeconds, knnInit, knnFinal, false, null, loader.SkippedImages, encoder);
    }

    private MecTrainingSession OpenSession(ArtifactSetFolder set, SessionFactory factory, CheckpointStore store, bool resume, out DataPosition position, out long step)
    {
        position = new DataPosition(options.Seed, 0, 0);
        step = 0;
        if (resume)
        {
            string newest = store.Newest() ?? throw new InvalidDataException($"{store.Folder}: no checkpoint to resume from");
            var checkpoint = CheckpointStore.Load(newest);
            if (checkpoint.Info.ArtifactHash != set.Hash)
                throw new InvalidDataException($"{newest} was trained with artifact set '{checkpoint.Info.ArtifactSet}' (graphs {checkpoint.Info.ArtifactHash[..12]}…), not '{set.Manifest.Name}' (graphs {set.Hash[..12]}…)");
            var session = MecTrainingSession.Create(set, factory);
            session.SetState(checkpoint.State, newest);
            position = checkpoint.Info.Data;
            step = checkpoint.Info.Step;
            progress.Message($"Resuming from {newest} at step {step} (epoch {position.Epoch + 1}, batch {position.BatchInEpoch})");
            return session;
        }
        if (options.InitWeights is { } init)
        {
            string path = RepositoryPaths.Resolve(init);
            return MecTrainingSession.Create(set, factory, SafeTensors.Read(path).Tensors.Where(t => !t.Name.EndsWith("num_batches_tracked", StringComparison.Ordinal)).ToList(), path);
        }
        return MecTrainingSession.Create(set, factory);
    }

    private void Save(MecTrainingSession session, CheckpointStore store, ArtifactSetFolder set, Schedules schedules, long step, int epoch, int batchInEpoch,
        float loss, double? score, string runConfig)
    {
        var info = new CheckpointInfo(step, epoch, set.Manifest.Name, set.Hash, set.Manifest.Config, schedules.Options, schedules.StepsPerEpoch,
            new DataPosition(options.Seed, epoch, batchInEpoch), float.IsFinite(loss) ? loss : null, score, runConfig);
        store.Save(session.GetState(), info);
    }

    private KnnResult Knn(MecTrainingSession session, TrainingData data, MetricsLog metrics, long step, int epoch, string label)
    {
        var clock = Stopwatch.StartNew();
        var k = options.Knn;
        int bankCount = k.MaxBank > 0 ? Math.Min(k.MaxBank, data.Train.Count) : data.Train.Count;
        int queryCount = k.MaxQueries > 0 ? Math.Min(k.MaxQueries, data.Queries!.Count) : data.Queries!.Count;
        float[] Encode(float[] images, int n) => session.Eval(images, n).Features;
        var (bank, dim) = EncoderFeatures.Compute(Encode, data.Train, data.Evaluation, bankCount);
        var (queries, _) = EncoderFeatures.Compute(Encode, data.Queries, data.Evaluation, queryCount);
        int classes = Math.Max(data.Train.ClassCount, data.Queries.ClassCount);
        var result = KnnClassifier.Evaluate(bank, Enumerable.Range(0, bankCount).Select(data.Train.Label).ToArray(), queries,
            Enumerable.Range(0, queryCount).Select(data.Queries.Label).ToArray(), dim, classes, k.K, k.Temperature, options.Threads);
        metrics.Write(new KnnRecord("knn", step, epoch, result.Top1, result.Top5, result.Bank, result.Queries, clock.Elapsed.TotalSeconds));
        progress.Message(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"kNN ({label}, step {step}): top-1 {result.Top1:F2} %, top-5 {result.Top5:F2} % ({result.Bank:N0} bank, {result.Queries:N0} queries, {clock.Elapsed.TotalSeconds:F1} s)"));
        return result;
    }
}
