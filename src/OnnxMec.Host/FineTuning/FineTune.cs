using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using OnnxMec.Contract;
using OnnxMec.Data;
using OnnxMec.Graphs;
using OnnxMec.Host.Evaluation;
using OnnxMec.Runtime;

namespace OnnxMec.Host.FineTuning;

internal sealed record FineTuneResult(string Start, double Top1, double Top5, int Steps, float FinalLoss, double Seconds);

/// <summary>What one fine-tuning run is given: its training and test images, how views are made, the schedule and the seed.</summary>
internal sealed record FineTuneRun(IImageDataset Train, IImageDataset Test, ViewRecipe View, ViewRecipe Evaluation, int Steps, int Batch, double Lr, int Seed, int Workers);

/// <summary>
/// Fine-tunes a whole backbone with a linear head on labelled images (the semi-supervised
/// protocol: a small share of the labels), with SGD on a cosine schedule over the given steps and
/// the small augmentation recipe, then measures top-1/top-5 on the test images. The backbone starts
/// from the given weights (a pre-trained encoder) or, where a tensor is not given, from its
/// initialisation drawn from the seed (training from scratch); the head always starts fresh.
/// </summary>
internal static class FineTune
{
    public static FineTuneResult Run(string start, ClassifierGraphs graphs, IReadOnlyDictionary<string, float[]> weights, FineTuneRun run, SessionFactory factory)
    {
        var clock = Stopwatch.StartNew();
        var state = InitialState(graphs, weights, run.Seed);
        using var train = factory.Open(graphs.Training, "the fine-tuning graph");
        using var eval = factory.Open(graphs.Evaluation, "the fine-tuning evaluation graph");
        using var runOptions = new RunOptions();
        int batch = Math.Min(run.Batch, run.Train.Count);
        var loader = new TwoViewLoader(run.Train, run.View, run.View, new LoaderOptions { BatchSize = batch, Seed = run.Seed, Workers = run.Workers });
        var shapes = graphs.Tensors.ToDictionary(t => t.Name, t => t.Shape);
        int step = 0;
        float loss = float.NaN;
        for (int epoch = 0; step < run.Steps; epoch++)
        {
            foreach (var b in loader.ReadEpoch(epoch).ToBlockingEnumerable())
            {
                using (b)
                {
                    if (step == run.Steps) continue;
                    float lr = (float)(run.Lr * 0.5 * (1 + Math.Cos(Math.PI * step / run.Steps)));
                    var inputs = new List<(string, OrtValue)>
                    {
                        (ClassifierGraphs.Images, OrtValue.CreateTensorValueFromMemory(b.View1, [b.Count, run.View.Channels, run.View.Size, run.View.Size])),
                        (ClassifierGraphs.Labels, OrtValue.CreateTensorValueFromMemory(b.Labels.Take(b.Count).Select(l => (long)l).ToArray(), [b.Count])),
                        (ClassifierGraphs.Lr, OrtValue.CreateTensorValueFromMemory(new[] { lr }, [])),
                    };
                    foreach (var (name, value) in state) inputs.Add((name, OrtValue.CreateTensorValueFromMemory(value, Shape(name, shapes))));
                    var wanted = train.InputNames.ToHashSet();
                    var used = inputs.Where(i => wanted.Contains(i.Item1)).ToList();
                    using (var outputs = train.Run(runOptions, used.Select(i => i.Item1).ToList(), used.Select(i => i.Item2).ToList(), train.OutputNames))
                    {
                        for (int o = 0; o < train.OutputNames.Count; o++)
                        {
                            string name = train.OutputNames[o];
                            if (name == ClassifierGraphs.Loss) loss = outputs[o].GetTensorDataAsSpan<float>()[0];
                            else state[name[ArtifactNames.NewPrefix.Length..]] = outputs[o].GetTensorDataAsSpan<float>().ToArray();
                        }
                    }
                    foreach (var (_, value) in inputs) value.Dispose();
                    if (!float.IsFinite(loss)) throw new InvalidOperationException($"fine-tuning ({start}) diverged at step {step + 1}: the loss is {loss}; lower --lr");
                    step++;
                }
            }
        }
        var (top1, top5) = Evaluate(eval, state, shapes, run);
        return new FineTuneResult(start, top1, top5, step, loss, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Every tensor of the classifier: the given backbone weights, the rest drawn from the seed as their init says; momenta zero.</summary>
    private static Dictionary<string, float[]> InitialState(ClassifierGraphs graphs, IReadOnlyDictionary<string, float[]> weights, int seed)
    {
        var rng = new Random(seed);
        var state = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var t in graphs.Tensors)
        {
            var drawn = TensorInit.Fill(t.Init, t.Shape, t.FanIn, rng);
            bool head = t.Name.StartsWith(ClassifierGraphs.Head + ".", StringComparison.Ordinal);
            state[t.Name] = !head && weights.TryGetValue(t.Name, out var given) ? given : drawn;
            if (state[t.Name].Length != t.ElementCount) throw new InvalidDataException($"weight '{t.Name}' has {state[t.Name].Length} values, the backbone needs [{string.Join(",", t.Shape)}]");
            if (t.Role == TensorRole.Param) state[ArtifactNames.MomentumPrefix + t.Name] = new float[t.ElementCount];
        }
        return state;
    }

    private static long[] Shape(string name, IReadOnlyDictionary<string, long[]> shapes) =>
        shapes.TryGetValue(name.StartsWith(ArtifactNames.MomentumPrefix, StringComparison.Ordinal) ? name[ArtifactNames.MomentumPrefix.Length..] : name, out var shape) ? shape
            : throw new InvalidOperationException($"no shape for '{name}'");

    private static (double Top1, double Top5) Evaluate(InferenceSession eval, Dictionary<string, float[]> state, IReadOnlyDictionary<string, long[]> shapes, FineTuneRun run)
    {
        const int batch = 256;
        var recipe = run.Evaluation;
        var images = new float[batch * recipe.ElementCount];
        using var runOptions = new RunOptions();
        var weights = eval.InputNames.Where(n => n != ClassifierGraphs.Images).Select(n => (n, OrtValue.CreateTensorValueFromMemory(state[n], Shape(n, shapes)))).ToList();
        int correct1 = 0, correct5 = 0;
        try
        {
            for (int first = 0; first < run.Test.Count; first += batch)
            {
                int n = Math.Min(batch, run.Test.Count - first);
                EvaluationImages.Fill(run.Test, recipe, first, n, images);
                using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, images.AsMemory(0, n * recipe.ElementCount), [n, recipe.Channels, recipe.Size, recipe.Size]);
                using var scores = eval.Run(runOptions, [ClassifierGraphs.Images, .. weights.Select(w => w.n)], [input, .. weights.Select(w => w.Item2)], [ClassifierGraphs.Scores]);
                var s = scores[0].GetTensorDataAsSpan<float>();
                int classes = s.Length / n;
                for (int i = 0; i < n; i++)
                {
                    int rank = Ranking.RankOf(s.Slice(i * classes, classes), run.Test.Label(first + i));
                    if (rank == 0) correct1++;
                    if (rank < 5) correct5++;
                }
            }
        }
        finally
        {
            foreach (var (_, value) in weights) value.Dispose();
        }
        return (100.0 * correct1 / run.Test.Count, 100.0 * correct5 / run.Test.Count);
    }
}
