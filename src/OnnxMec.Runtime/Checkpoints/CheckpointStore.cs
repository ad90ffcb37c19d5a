using System.Globalization;
using OnnxMec.Contract;

namespace OnnxMec.Runtime;

/// <summary>A checkpoint read back: the full training state and its metadata.</summary>
public sealed record Checkpoint(string Path, CheckpointInfo Info, IReadOnlyList<NamedTensor> State);

/// <summary>
/// Checkpoints of a run folder: <c>checkpoint-00000123.safetensors</c> files (tensors with
/// torchvision names, the target under "target.", momenta under "momentum.", and the
/// <see cref="CheckpointInfo"/> JSON in the header), each written atomically. Keeps the newest K.
/// Two stable names are hard links to checkpoints: <c>latest.safetensors</c> to the newest, and
/// <c>best.safetensors</c> to the one with the highest score, where a score is the kNN accuracy
/// measured on exactly that checkpoint's weights (a run without labelled queries has none).
/// </summary>
public sealed class CheckpointStore(string folder, int keepLast = 3)
{
    private const string Prefix = "checkpoint-";
    private const string Extension = ".safetensors";
    public const string BestFile = "best.safetensors";
    public const string LatestFile = "latest.safetensors";

    public string Folder { get; } = folder;

    public string Save(IReadOnlyList<NamedTensor> state, CheckpointInfo info)
    {
        string path = PathOf(info.Step);
        var metadata = new Dictionary<string, string> { [CheckpointInfo.MetadataKey] = info.ToJson(), ["format"] = "pt" };
        SafeTensors.Write(path, state, metadata);
        try
        {
            HardLink.Replace(path, System.IO.Path.Combine(Folder, LatestFile));
            if (info.Score is { } score && score >= (BestScore() ?? double.NegativeInfinity))
                HardLink.Replace(path, System.IO.Path.Combine(Folder, BestFile));
            Prune();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{path} was written, but {LatestFile}/{BestFile} or the pruning of old checkpoints in {Folder} failed: {e.Message}", e);
        }
        return path;
    }

    public string PathOf(long step) => System.IO.Path.Combine(Folder, $"{Prefix}{step:D8}{Extension}");

    /// <summary>Checkpoint files, oldest (lowest step) first.</summary>
    public IReadOnlyList<string> List() => !Directory.Exists(Folder) ? [] :
        Directory.GetFiles(Folder, Prefix + "*" + Extension)
            .Where(p => long.TryParse(System.IO.Path.GetFileNameWithoutExtension(p)[Prefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out _))
            .OrderBy(p => p, StringComparer.Ordinal).ToList();

    public string? Newest() => List() is { Count: > 0 } all ? all[^1] : null;

    /// <summary>Reads a checkpoint; a truncated or corrupt file, one without OnnxMec metadata, or metadata that does not hold together is an error naming it.</summary>
    public static Checkpoint Load(string path)
    {
        var (tensors, metadata) = SafeTensors.Read(path);
        if (!metadata.TryGetValue(CheckpointInfo.MetadataKey, out var json))
            throw new InvalidDataException($"{path}: not an OnnxMec checkpoint (no '{CheckpointInfo.MetadataKey}' metadata); to start from plain weights, set InitWeights");
        return new Checkpoint(path, CheckpointInfo.FromJson(json, path), tensors);
    }

    private double? BestScore()
    {
        string best = System.IO.Path.Combine(Folder, BestFile);
        if (!File.Exists(best)) return null;
        try
        {
            var metadata = SafeTensors.ReadMetadata(best);
            return metadata.TryGetValue(CheckpointInfo.MetadataKey, out var json) ? CheckpointInfo.FromJson(json, best).Score : null;
        }
        catch (InvalidDataException) { return null; }
    }

    private void Prune()
    {
        var all = List();
        foreach (var old in all.Take(Math.Max(0, all.Count - keepLast))) File.Delete(old);
    }
}
