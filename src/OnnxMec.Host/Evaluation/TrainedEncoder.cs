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
        string folder = artifacts ?? run?.Options.Artifacts
            ?? throw new InvalidDataException($"{checkpointPath}: the checkpoint does not name the artifact set it was trained with; give it with --artifacts DIR");
        var set = ArtifactSetFolder.Open(RepositoryPaths.Resolve(folder));
        if (set.Hash != checkpoint.Info.ArtifactHash)
            throw new InvalidDataException($"{checkpointPath} was trained with artifact set '{checkpoint.Info.ArtifactSet}' (graphs {Short(checkpoint.Info.ArtifactHash)}), " +
                $"but {set.Folder} holds '{set.Manifest.Name}' (graphs {Short(set.Hash)}); give the set it was trained with: --artifacts DIR");
        var names = set.Manifest.Tensors.Where(t => Roles.IsOnline(t.Role)).Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var online = checkpoint.State.Where(t => names.Contains(t.Name)).ToList();
        foreach (var tensor in online)
            if (tensor.FirstNonFinite() is >= 0 and var bad)
                throw new InvalidDataException($"{checkpointPath}: tensor '{tensor.Name}' holds {tensor.AsFloat32()[bad]} at element {bad}: the weights are not finite (a diverged run?); there is no encoder to evaluate or export");
        return new TrainedEncoder(checkpoint, set, online, run);
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
