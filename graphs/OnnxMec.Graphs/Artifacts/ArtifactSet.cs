using OnnxMec.Formats;

namespace OnnxMec.Graphs;

public sealed record ArtifactFile(string Name, byte[] Bytes);

/// <summary>A built artifact set in memory: its graph files, optional initial weights, and manifest.</summary>
public sealed record ArtifactSet(Manifest Manifest, IReadOnlyList<ArtifactFile> Files)
{
    public const string WeightsFile = "initial_weights.safetensors";

    /// <summary>Writes every file atomically, the manifest last, so a crash never leaves a manifest pointing at missing graphs.</summary>
    public void WriteTo(string directory)
    {
        Directory.CreateDirectory(directory);
        foreach (var file in Files) AtomicFile.WriteAllBytes(Path.Combine(directory, file.Name), file.Bytes);
        AtomicFile.WriteAllText(Path.Combine(directory, Manifest.FileName), Manifest.ToJson());
    }
}
