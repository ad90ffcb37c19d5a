using System.Text.Json;
using OnnxMec.Formats;

namespace OnnxMec.Runtime;

/// <summary>Where the data loader stands: every draw is a function of (seed, epoch, sample index), so this is all it needs to resume.</summary>
public sealed record DataPosition(int Seed, int Epoch, int BatchInEpoch);

/// <summary>
/// The JSON metadata a checkpoint carries beside its tensors: where the run stands, what it was
/// built from, and what the schedules were. Stored in the safetensors header under "onnxmec".
/// </summary>
public sealed record CheckpointInfo(
    long Step,
    int Epoch,
    string ArtifactSet,
    string ArtifactHash,
    ArtifactConfig Config,
    ScheduleOptions Schedule,
    int StepsPerEpoch,
    DataPosition Data,
    float? Loss = null,
    double? Score = null,
    string? RunConfig = null)
{
    public const string MetadataKey = "onnxmec";

    private static readonly JsonSerializerOptions Compact = new(Manifest.JsonOptions) { WriteIndented = false };

    public string ToJson() => JsonSerializer.Serialize(this, Compact);

    public static CheckpointInfo FromJson(string json, string source)
    {
        try
        {
            return JsonSerializer.Deserialize<CheckpointInfo>(json, Manifest.JsonOptions) ?? throw new InvalidDataException($"{source}: empty checkpoint metadata");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: corrupt checkpoint metadata: {e.Message}");
        }
    }
}
