using System.Security.Cryptography;
using System.Text;
using OnnxMec.Contract;

namespace OnnxMec.Runtime;

/// <summary>
/// An artifact set on disk, checked on opening: the folder and a valid manifest exist, every file
/// the manifest names is a plain file inside the folder (no path leads out of it), and each graph
/// and the weights file, if any, has the SHA-256 the manifest records.
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
        if (File.Exists(folder)) throw new InvalidDataException($"{folder}: is a file; an artifact set is a folder (build one with './onnxmec artifacts build --model NAME')");
        if (!Directory.Exists(folder))
            throw new InvalidDataException($"{folder}: no such artifact-set folder (build one with './onnxmec artifacts build --model NAME')");
        folder = Path.GetFullPath(folder);
        var manifest = Manifest.Load(Path.Combine(folder, Manifest.FileName));
        var problems = new List<string>();
        foreach (var (name, graph) in manifest.Graphs)
            CheckFile(folder, graph.File, graph.Sha256, $"graph '{name}'", problems);
        if (manifest.Weights.File is { } weights) CheckFile(folder, weights, manifest.Weights.Sha256!, "the manifest's initial weights", problems);
        if (problems.Count > 0)
            throw new InvalidDataException(Problems.Join($"artifact set '{manifest.Name}' in {folder} does not match its manifest", problems));
        return new ArtifactSetFolder(folder, manifest);
    }

    private static void CheckFile(string folder, string name, string sha256, string what, List<string> problems)
    {
        string path = Path.Combine(folder, name);
        if (!File.Exists(path)) { problems.Add($"{path}: missing ({what})"); return; }
        try
        {
            InputFiles.Check(path, what, InputFiles.ModelLimit);
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            string actual = Convert.ToHexStringLower(SHA256.HashData(stream));
            if (actual != sha256) problems.Add($"{path}: SHA-256 {actual[..12]}… does not match the manifest's {sha256[..12]}… ({what} was changed or belongs to another build)");
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            problems.Add(e is InvalidDataException ? e.Message : $"{path}: cannot be read ({what}): {e.Message}");
        }
    }

    public string GraphPath(string graph) => Manifest.Graphs.TryGetValue(graph, out var g)
        ? Path.Combine(Folder, g.File)
        : throw new InvalidDataException($"artifact set '{Manifest.Name}' has no graph '{graph}'");

    /// <summary>
    /// The online network's starting weights for a seed: the set's weights file where it holds that
    /// seed's draw (the set's own seed), else drawn from the seed as the file was.
    /// </summary>
    public IReadOnlyList<NamedTensor> InitialOnlineWeights(int? seed = null) =>
        Manifest.Weights.File is { } file && (seed is null || seed == Manifest.Weights.Seed)
            ? SafeTensors.Read(Path.Combine(Folder, file)).Tensors
            : InitialState.OnlineFromSeed(Manifest, seed);
}
