using Microsoft.ML.OnnxRuntime;
using OnnxMec.Contract;
using OnnxMec.Data;
using OnnxMec.GraphEngine;
using OnnxMec.Graphs;
using OnnxMec.Runtime;

namespace OnnxMec.Host.Evaluation;

/// <summary>
/// BatchNorm recalibration ("precise BN"): the online encoder's running statistics replaced by the
/// average of its batch statistics over un-augmented training images, in batches of the training
/// size, every layer normalising by its batch's statistics as in training. Training leaves a
/// moving average over the last few dozen batches of augmented views (crops, brightness and
/// contrast jitter); evaluation and an exported encoder see clean images. Only the statistics
/// change, never a learned weight, and no label is read.
/// </summary>
internal static class BatchNormRecalibration
{
    /// <summary>The online tensors with the new statistics, and what they were averaged over.</summary>
    public sealed record Result(IReadOnlyList<NamedTensor> Online, int Images, int Batches);

    /// <summary>
    /// The online tensors with every BatchNorm statistic of the backbone and projector recalibrated
    /// over <paramref name="images"/> training images (a seeded sample, all of them when fewer),
    /// in batches of <paramref name="batchSize"/>. An unreadable image is an error naming it, or
    /// with <paramref name="skipBad"/> left out of its batch.
    /// </summary>
    public static Result Run(ArtifactSetFolder set, IReadOnlyList<NamedTensor> online, IImageDataset data, ViewRecipe recipe,
        int images, int batchSize, int seed, bool skipBad, SessionFactory factory)
    {
        if (images < 1 || batchSize < 2) throw new ArgumentOutOfRangeException(nameof(images), "recalibration needs at least one batch of two images");
        var plan = ArtifactPlan.Resolve(set.Manifest.Config, set.Manifest.Name);
        var graph = BatchStatisticsModel.Build(plan);
        var weights = online.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var inputs = graph.Inputs.Where(v => v.Name != ArtifactNames.Images).ToList();
        var missing = inputs.Where(v => !weights.ContainsKey(v.Name)).Select(v => $"'{v.Name}'").ToList();
        if (missing.Count > 0)
            throw new InvalidDataException($"artifact set '{set.Manifest.Name}': its encoder as built today reads {string.Join(", ", missing)}, which its weights lack; BatchNorm cannot be recalibrated with this set");

        using var session = factory.Open(ModelWriter.ToBytes(graph), $"the BatchNorm statistics graph of '{set.Manifest.Name}'");
        var fixedValues = inputs.Select(v =>
        {
            var w = weights[v.Name];
            return OrtValue.CreateTensorValueFromMemory(w.AsFloat32(), w.Shape);
        }).ToList();
        var outputs = graph.Outputs.Select(v => v.Name).ToArray();
        var sums = outputs.Select(name => new double[weights[StatName(name)].ElementCount]).ToArray();

        var order = Sample(data.Count, images, seed);
        int per = recipe.ElementCount;
        var buffer = new float[batchSize * per];
        int batches = 0, used = 0;
        try
        {
            using var runOptions = new RunOptions();
            // Whole batches only (a short last batch would weigh as much as a full one), unless there are fewer images than one.
            int batchCount = Math.Max(1, order.Length / batchSize);
            for (int b = 0; b < batchCount; b++)
            {
                int start = b * batchSize;
                int n = Math.Min(batchSize, order.Length - start);
                var readable = EvaluationImages.Fill(data, recipe, order.AsSpan(start, n).ToArray(), buffer, skipBad);
                int rows = Compact(buffer, readable, per);
                if (rows < 2) continue;
                using var imageValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, buffer.AsMemory(0, rows * per),
                    [rows, recipe.Channels, recipe.Size, recipe.Size]);
                using var results = session.Run(runOptions, [ArtifactNames.Images, .. inputs.Select(v => v.Name)], [imageValue, .. fixedValues], outputs);
                for (int o = 0; o < outputs.Length; o++)
                {
                    var values = results[o].GetTensorDataAsSpan<float>();
                    for (int i = 0; i < values.Length; i++) sums[o][i] += values[i];
                }
                batches++;
                used += rows;
            }
        }
        finally
        {
            foreach (var v in fixedValues) v.Dispose();
        }
        if (batches == 0) throw new InvalidDataException($"{data.Name}: no batch of readable images to recalibrate BatchNorm with");

        var recalibrated = new Dictionary<string, NamedTensor>(StringComparer.Ordinal);
        for (int o = 0; o < outputs.Length; o++)
        {
            string name = StatName(outputs[o]);
            var mean = sums[o].Select(s => (float)(s / batches)).ToArray();
            if (FiniteValues.FirstNonFinite(mean) is >= 0 and var bad)
                throw new NonFiniteFeaturesException($"recalibrating BatchNorm gave {mean[bad]} for '{name}': the weights are not finite or overflow");
            recalibrated[name] = NamedTensor.Float32(name, weights[name].Shape, mean);
        }
        return new Result(online.Select(t => recalibrated.GetValueOrDefault(t.Name, t)).ToList(), used, batches);
    }

    private static string StatName(string output) => output[ArtifactNames.NewPrefix.Length..];

    /// <summary><paramref name="count"/> distinct indices of 0 … total − 1 in a seeded random order (all of them when fewer).</summary>
    private static int[] Sample(int total, int count, int seed)
    {
        var all = Enumerable.Range(0, total).ToArray();
        new Random(seed).Shuffle(all);
        return all[..Math.Min(count, total)];
    }

    /// <summary>Moves the readable rows to the front; how many there are.</summary>
    private static int Compact(float[] buffer, bool[] readable, int per)
    {
        int rows = 0;
        for (int i = 0; i < readable.Length; i++)
        {
            if (!readable[i]) continue;
            if (i != rows) buffer.AsSpan(i * per, per).CopyTo(buffer.AsSpan(rows * per, per));
            rows++;
        }
        return rows;
    }
}
