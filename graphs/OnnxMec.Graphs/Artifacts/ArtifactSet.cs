using OnnxMec.Contract;

namespace OnnxMec.Graphs;

public sealed record ArtifactFile(string Name, byte[] Bytes);

/// <summary>A built artifact set in memory: its graph files, optional initial weights, and manifest.</summary>
public sealed record ArtifactSet(Manifest Manifest, IReadOnlyList<ArtifactFile> Files)
{
    public const string WeightsFile = "initial_weights.safetensors";

    /// <summary>
    /// Writes every file atomically, the manifest last, so a crash never leaves a manifest pointing
    /// at missing graphs. The folder must be new, empty, or hold an artifact set (which is replaced).
    /// </summary>
    public void WriteTo(string directory)
    {
        if (File.Exists(directory)) throw new InvalidDataException($"{directory}: is a file; an artifact set is written to a folder");
        if (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any() && !File.Exists(Path.Combine(directory, Manifest.FileName)))
            throw new InvalidDataException($"{directory}: the folder holds other files and no artifact set; give a new or empty folder with --out");
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{directory}: cannot create the folder: {e.Message}");
        }
        foreach (var file in Files) AtomicFile.WriteAllBytes(Path.Combine(directory, file.Name), file.Bytes);
        AtomicFile.WriteAllText(Path.Combine(directory, Manifest.FileName), Manifest.ToJson());
    }
}
