using OnnxMec.Contract;

namespace OnnxMec.Graphs.Tests;

/// <summary>A run's state by name, fed to artifact graphs and updated from their "new.*" outputs.</summary>
internal sealed class TrainingState
{
    public Dictionary<string, FloatTensor> Values { get; } = new(StringComparer.Ordinal);

    public static TrainingState Initial(ArtifactSet set)
    {
        var online = set.Manifest.Weights.File is { } file
            ? SafeTensors.Read(set.Files.Single(f => f.Name == file).Bytes, file).Tensors
            : InitialState.OnlineFromSeed(set.Manifest);
        var state = new TrainingState();
        foreach (var t in InitialState.Complete(set.Manifest, online, "test weights")) state.Values[t.Name] = new FloatTensor(t.AsFloat32(), t.Shape);
        return state;
    }

    public Dictionary<string, FloatTensor> With(params (string Name, FloatTensor Value)[] extra)
    {
        var all = new Dictionary<string, FloatTensor>(Values, StringComparer.Ordinal);
        foreach (var (name, value) in extra) all[name] = value;
        return all;
    }

    /// <summary>Takes every "new.X" output as the next value of X.</summary>
    public void Apply(IReadOnlyDictionary<string, float[]> outputs)
    {
        foreach (var (name, data) in outputs)
            if (name.StartsWith(ArtifactNames.NewPrefix, StringComparison.Ordinal))
            {
                string key = name[ArtifactNames.NewPrefix.Length..];
                Values[key] = Values[key] with { Data = data };
            }
    }
}
