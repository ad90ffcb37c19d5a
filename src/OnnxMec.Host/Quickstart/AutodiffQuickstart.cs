using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using OnnxMec.Graphs;

namespace OnnxMec.Host.Quickstart;

internal sealed record QuickstartOptions(int Steps = 30, float LearningRate = 0.2f, int Seed = 1, int Threads = 0);

internal sealed record QuickstartResult(IReadOnlyList<float> Losses, double Seconds)
{
    public float FirstLoss => Losses[0];
    public float LastLoss => Losses[^1];
}

/// <summary>
/// Builds the tiny classifier's training step (forward, autodiff backward, SGD) as one ONNX graph,
/// and runs it through a plain ORT InferenceSession on a fixed synthetic batch, feeding each
/// step's updated parameters into the next.
/// </summary>
internal static class AutodiffQuickstart
{
    private const int Channels = 1, Size = 12, Width = 8, Batch = 48;

    public static QuickstartResult Run(QuickstartOptions options, Action<int, float> onStep)
    {
        var clock = Stopwatch.StartNew();
        var specs = TinyClassifier.Parameters(Channels, Width, SyntheticPatterns.Classes);
        var model = ModelWriter.ToBytes(TinyClassifier.TrainingStep(Channels, Size, Width, SyntheticPatterns.Classes));
        using var sessionOptions = new SessionOptions();
        if (options.Threads > 0) sessionOptions.IntraOpNumThreads = options.Threads;
        using var session = new InferenceSession(model, sessionOptions);

        var (images, labels) = SyntheticPatterns.Make(Batch, Size, options.Seed);
        using var imagesValue = OrtValue.CreateTensorValueFromMemory(images, [Batch, Channels, Size, Size]);
        using var labelsValue = OrtValue.CreateTensorValueFromMemory(labels, [Batch]);
        using var lrValue = OrtValue.CreateTensorValueFromMemory(new[] { options.LearningRate }, []);
        var rng = new Random(options.Seed);
        var initial = specs.Select(s => OrtValue.CreateTensorValueFromMemory(s.Initialise(rng), s.Shape)).ToList();

        string[] inputNames = ["images", "labels", "lr", .. specs.Select(s => s.Name)];
        string[] outputNames = ["loss", .. specs.Select(s => "new." + s.Name)];
        using var runOptions = new RunOptions();
        var losses = new List<float>();
        IReadOnlyList<OrtValue> state = initial;
        IDisposable? previous = null;
        try
        {
            for (int step = 1; step <= options.Steps; step++)
            {
                var outputs = session.Run(runOptions, inputNames, [imagesValue, labelsValue, lrValue, .. state], outputNames);
                previous?.Dispose();
                previous = outputs;
                state = outputs.Skip(1).ToList();
                float loss = outputs[0].GetTensorDataAsSpan<float>()[0];
                losses.Add(loss);
                onStep(step, loss);
            }
        }
        finally
        {
            previous?.Dispose();
            foreach (var v in initial) v.Dispose();
        }
        return new QuickstartResult(losses, clock.Elapsed.TotalSeconds);
    }
}
