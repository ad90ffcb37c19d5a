using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using OnnxMec.Host.Configuration;
using OnnxMec.Host.Evaluation;
using OnnxMec.Runtime;

namespace OnnxMec.Host.Training;

/// <summary>
/// One pre-training run: data through the two-view loader into the fused train_step, the
/// schedules by global step, metrics per step, the kNN monitor, checkpoints at epoch ends (and on a
/// stop request). At the end the trained state is checkpointed first; the final kNN, the exported
/// encoder and the chart come after, and their failure never loses it. Resumes exactly from the
/// newest checkpoint of its run folder.
/// </summary>
internal sealed class Trainer(TrainingSettings settings, IProgressReporter progress, ILogger logger)
{
    private TrainingOptions Options => settings.Options;

    public async Task<TrainingOutcome> RunAsync(bool resume, CancellationToken stop)
    {
        var clock = Stopwatch.StartNew();
        using var run = RunContext.Open(settings, resume, progress, logger);
        Announce(run, resume);
        var state = new LoopState(run.StartStep, run.Position);
        if (Options.Knn.AtStart && !resume && run.Data.Queries is not null)
            state.KnnInit = state.KnnLast = Knn(run, state.Step, 0, "random init");

        await TrainEpochs(run, state, stop);

        var failures = new List<string>();
        string? checkpoint = null, encoder = null;
        if (state.StopReason is null && state.Interrupted)
        {
            checkpoint = state.Step != state.SavedStep ? Save(run, state, state.BatchInEpoch, null) : run.Store.Newest();
            if (state.StopReason is null)
                progress.Message($"interrupted after step {state.Step}; checkpoint written, resume with --resume --run-dir {run.Folder.Path}");
        }
        else if (state.StopReason is null)
            (checkpoint, encoder) = Finish(run, state, failures);
        if (state.StopReason is not null)
            progress.Message($"stopped: {state.StopReason}" + (run.Store.Newest() is { } kept ? $" ({kept})" : " (no checkpoint was written before it)"));
        if (run.Loader.SkippedImages > 0) progress.Message($"{run.Loader.SkippedImages} unreadable images were skipped");
        return new TrainingOutcome
        {
            RunDir = run.Folder.Path, Steps = state.Step, TotalSteps = run.TotalSteps, Seconds = clock.Elapsed.TotalSeconds,
            KnnInit = state.KnnInit, KnnLast = state.KnnLast, Interrupted = state.Interrupted, StopReason = state.StopReason,
            SkippedImages = run.Loader.SkippedImages, Encoder = encoder, Checkpoint = checkpoint, Failures = failures,
        };
    }

    /// <summary>Where the loop stands; the outcome is made from it once.</summary>
    private sealed class LoopState(long step, Runtime.DataPosition position)
    {
        public long Step = step, SavedStep = step;
        public int Epoch = position.Epoch, BatchInEpoch = position.BatchInEpoch;
        public float LastLoss = float.NaN;
        public string? StopReason;
        public bool Interrupted;
        public MeasuredKnn? KnnInit, KnnLast;
    }

    private void Announce(RunContext run, bool resume)
    {
        var o = Options;
        progress.Message($"Training '{run.Set.Manifest.Name}' on {run.Data.Train.Name}: {run.Data.Train.Count:N0} images, batch {o.BatchSize}, " +
            $"{o.Epochs} epochs of {run.Loader.BatchesPerEpoch} steps ({run.TotalSteps:N0} steps), on the {run.Factory.Device.ToString().ToUpperInvariant()}; run folder {run.Folder.Path}");
    }

    private async Task TrainEpochs(RunContext run, LoopState s, CancellationToken stop)
    {
        double imagesPerSecond = 0;
        var stepClock = Stopwatch.StartNew();
        while (s.Epoch < Options.Epochs && s.StopReason is null && !s.Interrupted)
        {
            try
            {
                await foreach (var batch in run.Loader.ReadEpoch(s.Epoch, s.BatchInEpoch, stop))
                {
                    using (batch)
                    {
                        var scalars = run.Scalars.At(s.Step);
                        var metrics = run.Session.Step(batch.View1, batch.View2, batch.Count, scalars);
                        s.Step++;
                        s.BatchInEpoch = batch.BatchIndex + 1;
                        double seconds = stepClock.Elapsed.TotalSeconds;
                        stepClock.Restart();
                        imagesPerSecond = imagesPerSecond == 0 ? batch.Count / seconds : 0.9 * imagesPerSecond + 0.1 * batch.Count / seconds;
                        run.Metrics.Step(s.Step, s.Epoch, metrics.Values, scalars, imagesPerSecond);
                        progress.Step(s.Step, run.TotalSteps, s.Epoch, metrics.Loss, imagesPerSecond);
                        var (verdict, message) = run.Guard.Check(s.Step, metrics);
                        if (verdict == GuardVerdict.Warn) { progress.Message("warning: " + message); logger.LogWarning("{Message}", message); }
                        if (verdict == GuardVerdict.Stop) { s.StopReason = message; break; }
                        s.LastLoss = metrics.Loss;
                        if (Options.CheckpointEverySteps > 0 && s.Step % Options.CheckpointEverySteps == 0 && Save(run, s, s.BatchInEpoch, null) is null) break;
                    }
                    if (stop.IsCancellationRequested) { s.Interrupted = true; break; }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                s.Interrupted = true;
            }
            if (s.StopReason is not null || s.Interrupted) break;

            s.Epoch++;
            s.BatchInEpoch = 0;
            if (s.Epoch == Options.Epochs) break;
            double? score = null;
            if (Options.Knn.EveryEpochs > 0 && s.Epoch % Options.Knn.EveryEpochs == 0 && run.Data.Queries is not null)
            {
                // Weights that still give a finite loss can overflow in the features: the run has diverged.
                try { score = (s.KnnLast = Knn(run, s.Step, s.Epoch, $"epoch {s.Epoch}")).Result.Top1; }
                catch (NonFiniteFeaturesException e)
                {
                    s.StopReason = $"step {s.Step}: {e.Message}; stopping, the last good checkpoint is kept";
                    break;
                }
            }
            if (Options.CheckpointEveryEpochs > 0 && s.Epoch % Options.CheckpointEveryEpochs == 0 && Save(run, s, 0, score) is null) break;
        }
    }

    /// <summary>Checkpoints the loop's state; where the weights are no longer finite nothing is written and the run stops as diverged.</summary>
    private static string? Save(RunContext run, LoopState s, int batchInEpoch, double? score)
    {
        string? path = run.Save(s.Step, s.Epoch, batchInEpoch, s.LastLoss, score, out string? broken);
        if (path is null) s.StopReason = $"step {s.Step}: the weights are no longer finite ({broken}); stopping, the last good checkpoint is kept";
        else s.SavedStep = s.Step;
        return path;
    }

    /// <summary>
    /// The end of a completed run: the trained state is checkpointed before anything else, then
    /// measured (the checkpoint is rewritten with the score it earned), exported and charted. A
    /// failure in those is reported and leaves the checkpoint as it is.
    /// </summary>
    private (string? Checkpoint, string? Encoder) Finish(RunContext run, LoopState s, List<string> failures)
    {
        string? checkpoint = Save(run, s, 0, null);
        if (checkpoint is null) return (null, null);
        string? encoder = null;
        void Attempt(string what, Action action)
        {
            try { action(); }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException or InvalidOperationException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException
                or NonFiniteFeaturesException)
            {
                string message = $"{what} failed: {e.Message} (the trained state is safe in {checkpoint})";
                failures.Add(message);
                progress.Message("error: " + message);
            }
        }
        if (run.Data.Queries is not null)
            Attempt("the final kNN evaluation", () =>
            {
                s.KnnLast = Knn(run, s.Step, s.Epoch, "trained");
                Save(run, s, 0, s.KnnLast.Result.Top1);
            });
        if (Options.Export)
        {
            Attempt("exporting the encoder", () =>
            {
                run.Session.ExportModelForInferencing(run.Folder.Encoder, metadata: EncoderMetadata.For(run.Set, run.Settings, run.Folder.Path));
                encoder = run.Folder.Encoder;
            });
            Attempt("drawing the chart", () => TrainingChart.Write(run.Folder.Metrics, run.Folder.Chart));
        }
        return (checkpoint, encoder);
    }

    private MeasuredKnn Knn(RunContext run, long step, int epoch, string label)
    {
        var clock = Stopwatch.StartNew();
        var k = Options.Knn;
        var data = run.Data;
        int bankCount = k.MaxBank > 0 ? Math.Min(k.MaxBank, data.Train.Count) : data.Train.Count;
        int queryCount = k.MaxQueries > 0 ? Math.Min(k.MaxQueries, data.Queries!.Count) : data.Queries!.Count;
        float[] Encode(float[] images, int n) => run.Session.Eval(images, n).Features;
        var bank = EncoderFeatures.Compute(Encode, data.Train, data.Evaluation, bankCount, data.SkipBadImages);
        var queries = EncoderFeatures.Compute(Encode, data.Queries, data.Evaluation, queryCount, data.SkipBadImages);
        int classes = Math.Max(data.Train.ClassCount, data.Queries.ClassCount);
        var result = KnnClassifier.Evaluate(bank.Features, bank.Labels, queries.Features, queries.Labels, bank.Dim, classes, k.K, k.Temperature, run.Factory);
        run.Metrics.Write(new KnnRecord("knn", step, epoch, result.Top1, result.Top5, result.Bank, result.Queries, clock.Elapsed.TotalSeconds));
        progress.Message(string.Create(CultureInfo.InvariantCulture,
            $"kNN ({label}, step {step}): top-1 {result.Top1:F2} %, top-5 {result.Top5:F2} % ({result.Bank:N0} bank, {result.Queries:N0} queries, {clock.Elapsed.TotalSeconds:F1} s)"));
        return new MeasuredKnn(result, step, label);
    }
}
