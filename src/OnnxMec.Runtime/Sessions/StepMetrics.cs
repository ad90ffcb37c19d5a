using System.Globalization;

namespace OnnxMec.Runtime;

/// <summary>What one step reports: every output the manifest gives the role loss or metric, by name.</summary>
public sealed class StepMetrics(string lossName, IReadOnlyDictionary<string, float> values)
{
    public IReadOnlyDictionary<string, float> Values { get; } = values;

    public float Loss => Values[lossName];

    public float this[string name] => Values.TryGetValue(name, out float v) ? v : throw new KeyNotFoundException($"no metric '{name}' (the set reports {string.Join(", ", Values.Keys)})");

    public override string ToString() => string.Join(", ", Values.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key} {kv.Value}")));
}

/// <summary>An eval graph's outputs for a batch: pooled features [N, F] and embeddings [N, d], row-major.</summary>
public sealed record EvalOutputs(float[] Features, int FeatureDim, float[] Embeddings, int EmbeddingDim);
