using System.Text;
using Microsoft.Extensions.Configuration;
using OnnxMec.Contract;
using OnnxMec.Host.Cli;
using OnnxMec.Host.Configuration;
using OnnxMec.Runtime;

namespace OnnxMec.Host.Evaluation;

/// <summary>
/// A checkpoint's online encoder with the artifact set it was trained with: the set named by the
/// run configuration the checkpoint carries (checked like any config) or given explicitly, and
/// only if its graphs are the ones the checkpoint records and its weights are finite numbers (a
/// NaN weight makes every feature NaN, and broken features must never be scored or exported).
/// </summary>
internal sealed record TrainedEncoder(Checkpoint Checkpoint, ArtifactSetFolder Set, IReadOnlyList<NamedTensor> Online, TrainingSettings? Run)
{
    public static TrainedEncoder Load(string checkpointPath, string? artifacts)
    {
        var checkpoint = CheckpointStore.Load(checkpointPath);
        var run = checkpoint.Info.RunConfig is { } json ? RunConfiguration(json, checkpointPath) : null;
        var set = artifacts is not null ? ArtifactSetFolder.Open(RepositoryPaths.Resolve(artifacts)) : SetOfRun(checkpointPath, run);
        if (set.Hash != checkpoint.Info.ArtifactHash)
            throw new InvalidDataException($"{checkpointPath} was trained with artifact set '{checkpoint.Info.ArtifactSet}' (graphs {Short(checkpoint.Info.ArtifactHash)}), " +
                $"but {set.Folder} holds '{set.Manifest.Name}' (graphs {Short(set.Hash)}); give the set it was trained with: --artifacts DIR");
        return new TrainedEncoder(checkpoint, set, OnlineWeights(checkpoint, set), run);
    }

    /// <summary>The artifact set the checkpoint's run configuration names; its errors say that the name came from the checkpoint.</summary>
    private static ArtifactSetFolder SetOfRun(string checkpointPath, TrainingSettings? run)
    {
        string folder = run?.Options.Artifacts
            ?? throw new InvalidDataException($"{checkpointPath}: the checkpoint does not name the artifact set it was trained with; give it with --artifacts DIR");
        try
        {
            return ArtifactSetFolder.Open(RepositoryPaths.Resolve(folder));
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{checkpointPath}: the artifact set its run names cannot be used ({e.Message}); give the set it was trained with: --artifacts DIR", e);
        }
    }

    /// <summary>The online network's tensors, each present with its shape and finite, or every problem listed naming the checkpoint.</summary>
    private static List<NamedTensor> OnlineWeights(Checkpoint checkpoint, ArtifactSetFolder set)
    {
        var byName = new Dictionary<string, NamedTensor>(StringComparer.Ordinal);
        foreach (var t in checkpoint.State) byName.TryAdd(t.Name, t);
        var online = new List<NamedTensor>();
        var problems = new List<string>();
        foreach (var t in set.Manifest.Tensors.Where(t => Roles.IsOnline(t.Role)))
        {
            string expected = $"F32 [{string.Join(",", t.Shape)}]";
            if (!byName.TryGetValue(t.Name, out var w)) problems.Add($"tensor '{t.Name}' is missing (expected {expected})");
            else if (w.DType != "F32" || !w.Shape.SequenceEqual(t.Shape)) problems.Add($"tensor '{t.Name}' is {w.DType} [{string.Join(",", w.Shape)}], expected {expected}");
            else if (w.FirstNonFinite() is >= 0 and var bad) problems.Add($"tensor '{t.Name}' holds {w.AsFloat32()[bad]} at element {bad}: the weights are not finite (a diverged run?)");
            else online.Add(w);
        }
        if (problems.Count > 0)
            throw new InvalidDataException(Problems.Join($"{checkpoint.Path}: no encoder of artifact set '{set.Manifest.Name}' to evaluate or export", problems));
        return online;
    }

    /// <summary>The run configuration stored in a checkpoint, bound and validated as a config file is.</summary>
    public static TrainingSettings RunConfiguration(string json, string source)
    {
        try
        {
            var configuration = ConfigurationSources.AddJson(new ConfigurationBuilder(), Encoding.UTF8.GetBytes(json), "the stored configuration").Build();
            return ConfigurationSources.Bind(configuration);
        }
        catch (Exception e) when (e is OptionsInvalidException or InvalidDataException or FormatException)
        {
            throw new InvalidDataException($"{source}: the run configuration in its metadata is not valid: {e.Message}");
        }
    }

    private static string Short(string hash) => hash.Length > 12 ? hash[..12] + "…" : hash;
}
