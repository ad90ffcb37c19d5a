using System.Security.Cryptography;
using System.Text;
using OnnxMec.Formats;

namespace OnnxMec.Runtime;

/// <summary>
/// An artifact set on disk, checked on opening: the folder and manifest exist, every graph file the
/// manifest names is there with the SHA-256 it records, and so is the weights file if it names one.
/// </summary>
public sealed class ArtifactSetFolder
{
    private ArtifactSetFolder(string folder, Manifest manifest)
    {
        Folder = folder;
        Manifest = manifest;
        Hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            string.Join("\n", manifest.Graphs.OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}:{g.Value.Sha256}")))));
    }

    public string Folder { get; }
    public Manifest Manifest { get; }

    /// <summary>Identifies the graphs a checkpoint was trained with: a hash over every graph's SHA-256.</summary>
    public string Hash { get; }

    public static ArtifactSetFolder Open(string folder)
    {
        if (!Directory.Exists(folder))
            throw new InvalidDataException($"{folder}: no such artifact-set folder (build one with './onnxmec artifacts build --model NAME')");
        var manifest = Manifest.Load(Path.Combine(folder, Manifest.FileName));
        var problems = new List<string>();
        foreach (var (name, graph) in manifest.Graphs)
        {
            string path = Path.Combine(folder, graph.File);
            if (!File.Exists(path)) { problems.Add($"{path}: missing (graph '{name}')"); continue; }
            using var stream = File.OpenRead(path);
            string actual = Convert.ToHexStringLower(SHA256.HashData(stream));
            if (actual != graph.Sha256) problems.Add($"{path}: SHA-256 {actual[..12]}… does not match the manifest's {graph.Sha256[..Math.Min(12, graph.Sha256.Length)]}… (graph '{name}' was changed or belongs to another build)");
        }
        if (manifest.Weights.File is { } weights && !File.Exists(Path.Combine(folder, weights)))
            problems.Add($"{Path.Combine(folder, weights)}: missing (the manifest's initial weights)");
        if (problems.Count > 0)
            throw new InvalidDataException($"artifact set '{manifest.Name}' in {folder} does not match its manifest:\n  " + string.Join("\n  ", problems));
        return new ArtifactSetFolder(folder, manifest);
    }

    public string GraphPath(string graph) => Manifest.Graphs.TryGetValue(graph, out var g)
        ? Path.Combine(Folder, g.File)
        : throw new InvalidDataException($"artifact set '{Manifest.Name}' has no graph '{graph}'");

    /// <summary>The online network's starting weights: the set's weights file, else made from its seed.</summary>
    public IReadOnlyList<NamedTensor> InitialOnlineWeights() => Manifest.Weights.File is { } file
        ? SafeTensors.Read(Path.Combine(Folder, file)).Tensors
        : InitialState.OnlineFromSeed(Manifest);
}
