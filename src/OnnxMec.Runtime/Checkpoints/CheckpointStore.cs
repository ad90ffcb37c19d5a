using System.Globalization;
using OnnxMec.Formats;

namespace OnnxMec.Runtime;

/// <summary>A checkpoint read back: the full training state and its metadata.</summary>
public sealed record Checkpoint(string Path, CheckpointInfo Info, IReadOnlyList<NamedTensor> State);

/// <summary>
/// Checkpoints of a run folder: <c>checkpoint-00000123.safetensors</c> files (tensors with
/// torchvision names, the target under "target.", momenta under "momentum.", and the
/// <see cref="CheckpointInfo"/> JSON in the header), each written atomically. Keeps the newest K and
/// the best by score, which is also copied to <c>best.safetensors</c>.
/// </summary>
public sealed class CheckpointStore(string folder, int keepLast = 3)
{
    private const string Prefix = "checkpoint-";
    private const string Extension = ".safetensors";
    public const string BestFile = "best.safetensors";

    public string Folder { get; } = folder;

    public string Save(IReadOnlyList<NamedTensor> state, CheckpointInfo info)
    {
        Directory.CreateDirectory(Folder);
        string path = System.IO.Path.Combine(Folder, $"{Prefix}{info.Step:D8}{Extension}");
        var metadata = new Dictionary<string, string> { [CheckpointInfo.MetadataKey] = info.ToJson(), ["format"] = "pt" };
        SafeTensors.Write(path, state, metadata);
        if (info.Score is { } score && score >= (BestScore() ?? double.NegativeInfinity))
            SafeTensors.Write(System.IO.Path.Combine(Folder, BestFile), state, metadata);
        Prune();
        return path;
    }

    /// <summary>Checkpoint files, oldest first.</summary>
    public IReadOnlyList<string> List() => !Directory.Exists(Folder) ? [] :
        Directory.GetFiles(Folder, Prefix + "*" + Extension)
            .Where(p => long.TryParse(System.IO.Path.GetFileNameWithoutExtension(p)[Prefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out _))
            .OrderBy(p => p, StringComparer.Ordinal).ToList();

    public string? Newest() => List() is { Count: > 0 } all ? all[^1] : null;

    /// <summary>Reads a checkpoint; a truncated or corrupt file, or one without OnnxMec metadata, is an error naming it.</summary>
    public static Checkpoint Load(string path)
    {
        var (tensors, metadata) = SafeTensors.Read(path);
        if (!metadata.TryGetValue(CheckpointInfo.MetadataKey, out var json))
            throw new InvalidDataException($"{path}: not an OnnxMec checkpoint (no '{CheckpointInfo.MetadataKey}' metadata); to start from plain weights use an import instead");
        return new Checkpoint(path, CheckpointInfo.FromJson(json, path), tensors);
    }

    private double? BestScore()
    {
        string best = System.IO.Path.Combine(Folder, BestFile);
        if (!File.Exists(best)) return null;
        try { return Load(best).Info.Score; }
        catch (InvalidDataException) { return null; }
    }

    private void Prune()
    {
        var all = List();
        foreach (var old in all.Take(Math.Max(0, all.Count - keepLast))) File.Delete(old);
    }
}
