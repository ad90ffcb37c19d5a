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
/// newest checkpoint of its run folder. Started by mpirun as several processes, each trains on
/// its shard of every global batch (see <see cref="TrainingSession.DataParallelStep"/>); rank 0
/// alone prints, writes the run folder and evaluates; all stop at the same step.
/// </summary>
internal sealed class Trainer(TrainingSettings settings, IProgressReporter progress, ILogger logger)
{
    private TrainingOptions Options => settings.Options;

    /// <summary>The state checksums of all processes are compared this often (and at every checkpoint).</summary>
    private const int VerifyEverySteps = 50;

    public async Task<TrainingOutcome> RunAsync(bool resume, CancellationToken stop)
    {
        var clock = Stopwatch.StartNew();
        using var run = RunContext.Open(settings, resume, Distributed.ProcessGroup.Current, progress, logger);
        Announce(run, resume);
        var state = new LoopState(run.StartStep, run.Position);
        if (Options.Knn.AtStart && !resume && run.Data.Queries is not null && run.IsWriter)
            state.KnnInit = state.KnnLast = Knn(run, state.Step, 0, Options.InitWeights is null ? "random init" : "initial weights");

        await TrainEpochs(run, state, stop);
        progress.Complete();

        var failures = new List<string>();
        string? checkpoint = null, encoder = null;
        if (state.StopReason is null && state.Interrupted)
        {
            if (state.Step != state.SavedStep) Save(run, state, state.BatchInEpoch, null, out checkpoint);
            else checkpoint = run.IsWriter ? run.Store.Newest() : null;
            if (state.StopReason is null && run.IsWriter)
                progress.Message($"interrupted after step {state.Step}; checkpoint written, resume with --resume --run-dir {run.Folder.Path}");
        }
        else if (state.StopReason is null && Save(run, state, 0, null, out checkpoint) && run.IsWriter)
            encoder = Finish(run, state, checkpoint!, failures);
        if (state.StopReason is not null && run.IsWriter)
            progress.Message($"stopped: {state.StopReason}" + (run.Store.Newest() is { } kept ? $" ({kept})" : " (no checkpoint was written before it)"));
        if (run.Loader.SkippedImages > 0) progress.Message($"{run.Loader.SkippedImages} unreadable images were skipped");
        return new TrainingOutcome
        {
            RunDir = run.IsWriter ? run.Folder.Path : "", Steps = state.Step, TotalSteps = run.TotalSteps, Seconds = clock.Elapsed.TotalSeconds,
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

    /// <summary>
    /// Before the first step: what is trained on what (the data as the loader will make it), every
    /// setting in effect, and how long the run is, so a long run never starts unannounced.
    /// </summary>
    private void Announce(RunContext run, bool resume)
    {
        var o = Options;
        if (!run.IsWriter) return;
        var config = run.Set.Manifest.Config;
        progress.Message($"Training '{run.Set.Manifest.Name}' ({config.Arch}, {config.Stem} stem, width {config.Width.ToString(CultureInfo.InvariantCulture)}) " +
            $"on the {run.Factory.Device.ToString().ToUpperInvariant()}; run folder {run.Folder.Path}");
        progress.Message("Data:");
        foreach (var line in DataReport.Lines(run.Data, config, settings.Recipe, o.Data)) progress.Message(line);
        foreach (var line in SettingsSummary.Lines(run.ResolvedConfig, run.LossSettings)) progress.Message(line);
        long images = run.TotalSteps * o.BatchSize;
        string left = resume ? $"; resuming after step {run.StartStep:N0}, {run.TotalSteps - run.StartStep:N0} steps to go" : "";
        string processes = run.Group.Size > 1 ? $", each step over {run.Group.Size} processes of {run.LocalBatch} images" : "";
        progress.Message($"Length: {o.Epochs:N0} epoch{(o.Epochs == 1 ? "" : "s")} × {run.Loader.BatchesPerEpoch:N0} steps of {o.BatchSize} images = {run.TotalSteps:N0} steps, {images:N0} images (two views each){processes}{left}");
    }

    private async Task TrainEpochs(RunContext run, LoopState s, CancellationToken stop)
    {
        double imagesPerSecond = 0;
        var stepClock = Stopwatch.StartNew();
        // Several processes must stop at the same step: they agree on it after every step, so none
        // of them may stop on its own in between (the loader is not cancelled from outside).
        bool together = run.Group.Size > 1;
        while (s.Epoch < Options.Epochs && s.StopReason is null && !s.Interrupted)
        {
            try
            {
                await foreach (var batch in run.Loader.ReadEpoch(s.Epoch, s.BatchInEpoch, together ? CancellationToken.None : stop))
                {
                    using (batch)
                    {
                        var scalars = run.Scalars.At(s.Step);
                        var metrics = together
                            ? run.Session.DataParallelStep(batch.View1, batch.View2, batch.Count, scalars, run.Group)
                            : run.Session.Step(batch.View1, batch.View2, batch.Count, scalars);
                        s.Step++;
                        s.BatchInEpoch = batch.BatchIndex + 1;
                        double seconds = stepClock.Elapsed.TotalSeconds;
                        stepClock.Restart();
                        int images = batch.Count * run.Group.Size;
                        imagesPerSecond = imagesPerSecond == 0 ? images / seconds : 0.9 * imagesPerSecond + 0.1 * images / seconds;
                        if (run.IsWriter)
                        {
                            run.Metrics.Step(s.Step, s.Epoch, metrics.Values, scalars, imagesPerSecond);
                            progress.Step(s.Step, run.TotalSteps, s.Epoch, metrics.Loss, imagesPerSecond);
                        }
                        var (verdict, message) = run.Guard.Check(s.Step, metrics);
                        if (verdict == GuardVerdict.Warn) { progress.Message("warning: " + message); logger.LogWarning("{Message}", message); }
                        if (verdict == GuardVerdict.Stop) { s.StopReason = message; break; }
                        s.LastLoss = metrics.Loss;
                        bool due = Options.CheckpointEverySteps > 0 && s.Step % Options.CheckpointEverySteps == 0;
                        if (due && !Save(run, s, s.BatchInEpoch, null, out _)) break;
                        if (!due && s.Step % VerifyEverySteps == 0) run.VerifyIdentical(s.Step);
                    }
                    if (together ? run.Group.Any(stop.IsCancellationRequested) : stop.IsCancellationRequested) { s.Interrupted = true; break; }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested && !together)
            {
                s.Interrupted = true;
            }
            if (s.StopReason is not null || s.Interrupted) break;

            s.Epoch++;
            s.BatchInEpoch = 0;
            if (s.Epoch == Options.Epochs) break;
            double? score = null;
            if (Options.Knn.EveryEpochs > 0 && s.Epoch % Options.Knn.EveryEpochs == 0 && run.Data.Queries is not null && run.IsWriter)
            {
                // Weights that still give a finite loss can overflow in the features: the run has diverged.
                try { score = (s.KnnLast = Knn(run, s.Step, s.Epoch, $"epoch {s.Epoch}")).Result.Top1; }
                catch (NonFiniteFeaturesException e)
                {
                    s.StopReason = $"step {s.Step}: {e.Message}; stopping, the last good checkpoint is kept";
                }
            }
            // Rank 0 alone evaluates; the others learn from it whether to stop.
            if (run.Group.Size > 1 && run.Group.Any(s.StopReason is not null)) s.StopReason ??= "stopped with rank 0 (see its output)";
            if (s.StopReason is not null) break;
            if (Options.CheckpointEveryEpochs > 0 && s.Epoch % Options.CheckpointEveryEpochs == 0 && !Save(run, s, 0, score, out _)) break;
        }
    }

    /// <summary>
    /// Checkpoints the loop's state (rank 0 writes it) after the processes have compared their
    /// states; where a weight is no longer finite nothing is written and the run stops as diverged.
    /// Every process holds the same state, so every one decides alike.
    /// </summary>
    private static bool Save(RunContext run, LoopState s, int batchInEpoch, double? score, out string? path)
    {
        path = null;
        run.VerifyIdentical(s.Step);
        if (run.BrokenWeights() is { } broken)
        {
            s.StopReason = $"step {s.Step}: the weights are no longer finite ({broken}); stopping, the last good checkpoint is kept";
            return false;
        }
        if (run.IsWriter) path = run.Save(s.Step, s.Epoch, batchInEpoch, s.LastLoss, score);
        s.SavedStep = s.Step;
        return true;
    }

    /// <summary>
    /// The end of a completed run: the trained state is checkpointed before anything else, then
    /// measured (the checkpoint is rewritten with the score it earned), exported and charted. A
    /// failure in those is reported and leaves the checkpoint as it is.
    /// </summary>
    private string? Finish(RunContext run, LoopState s, string checkpoint, List<string> failures)
    {
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
        // Before anything is measured or exported, so the final kNN, the checkpoint and encoder.onnx hold the same statistics.
        if (Options.RecalibrateBatchNorm > 0) Attempt("recalibrating BatchNorm", () => RecalibrateBatchNorm(run, s));
        if (run.Data.Queries is not null)
            Attempt("the final kNN evaluation", () =>
            {
                s.KnnLast = Knn(run, s.Step, s.Epoch, "trained");
                run.Save(s.Step, s.Epoch, 0, s.LastLoss, s.KnnLast.Result.Top1);
            });
        if (Options.Export)
        {
            Attempt("exporting the encoder", () =>
            {
                run.Session.ExportModelForInferencing(run.Folder.Encoder, metadata: EncoderMetadata.For(run.Set, run.Settings, run.Folder.Path));
                encoder = run.Folder.Encoder;
            });
            Attempt("drawing the chart", () => DrawChart(run));
        }
        return encoder;
    }

    /// <summary>
    /// Replaces the online BatchNorm statistics by their average over un-augmented training images
    /// (in the batches each process trained with) and rewrites the final checkpoint; where it cannot
    /// be rewritten, the session goes back to the state the checkpoint holds, so nothing is measured
    /// or exported on weights no file has.
    /// </summary>
    private void RecalibrateBatchNorm(RunContext run, LoopState s)
    {
        var clock = Stopwatch.StartNew();
        var data = run.Data;
        var trained = run.Session.GetState();
        var result = BatchNormRecalibration.Run(run.Set, run.Session.OnlineWeights(), data.Train, data.Evaluation,
            Options.RecalibrateBatchNorm, run.LocalBatch, Options.Seed, data.SkipBadImages, run.Factory);
        var recalibrated = result.Online.ToDictionary(t => t.Name, StringComparer.Ordinal);
        run.Session.SetState(trained.Select(t => recalibrated.GetValueOrDefault(t.Name, t)).ToList(), "the recalibrated BatchNorm statistics");
        try
        {
            run.Save(s.Step, s.Epoch, 0, s.LastLoss, null);
        }
        catch
        {
            run.Session.SetState(trained, "the trained state");
            throw;
        }
        run.Metrics.Write(new BatchNormRecord("batchnorm", s.Step, result.Images, result.Batches, clock.Elapsed.TotalSeconds));
        progress.Message(string.Create(CultureInfo.InvariantCulture,
            $"BatchNorm recalibrated over {result.Images:N0} un-augmented training images ({result.Batches} batches, {clock.Elapsed.TotalSeconds:F1} s); checkpoint rewritten"));
    }

    /// <summary>
    /// The chart is optional: where its native library (SkiaSharp's, left out of some builds) cannot
    /// be loaded, one line says so and the run ends as it would have.
    /// </summary>
    private void DrawChart(RunContext run)
    {
        try
        {
            TrainingChart.Write(run.Folder.Metrics, run.Folder.Chart);
        }
        catch (Exception e) when (MissingLibrary(e) is { } missing)
        {
            progress.Message($"no chart: {FirstSentence(missing.Message)} (the chart is optional; everything else is written)");
        }
    }

    private static string FirstSentence(string text) => text.Split(['\n', '.'], 2)[0].Trim();

    private static DllNotFoundException? MissingLibrary(Exception? e) => e switch
    {
        null => null,
        DllNotFoundException missing => missing,
        _ => MissingLibrary(e.InnerException),
    };

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
