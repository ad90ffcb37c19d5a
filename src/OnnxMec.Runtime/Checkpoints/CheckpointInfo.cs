using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using OnnxMec.Contract;

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
    string? RunConfig = null,
    int Ranks = 1)
{
    public const string MetadataKey = "onnxmec";

    private static readonly JsonTypeInfo<CheckpointInfo> Json = ContractJson.TypeInfo<CheckpointInfo>(CheckpointJsonContext.Default, indented: false);

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads and checks the metadata as a config is checked: every field present, in range, and consistent.</summary>
    public static CheckpointInfo FromJson(string json, string source)
    {
        CheckpointInfo info;
        try
        {
            info = JsonSerializer.Deserialize(json, Json) ?? throw new InvalidDataException($"{source}: empty checkpoint metadata");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: corrupt checkpoint metadata: {JsonErrors.Describe(e)}");
        }
        var errors = info.Validate();
        if (errors.Count > 0) throw new InvalidDataException(Problems.Join($"{source}: invalid checkpoint metadata", errors));
        return info;
    }

    public IReadOnlyList<string> Validate()
    {
        var e = new List<string>();
        if (Step < 0) e.Add($"step: {Step} is negative");
        if (Ranks < 1) e.Add($"ranks: {Ranks} must be at least 1");
        if (StepsPerEpoch < 1) e.Add($"steps_per_epoch: {StepsPerEpoch} must be at least 1");
        if (Epoch < 0) e.Add($"epoch: {Epoch} is negative");
        if (Data.Epoch < 0 || Data.BatchInEpoch < 0 || Data.BatchInEpoch > StepsPerEpoch) e.Add($"data: epoch {Data.Epoch}, batch {Data.BatchInEpoch} is not a position in epochs of {StepsPerEpoch} steps");
        if (string.IsNullOrEmpty(ArtifactSet)) e.Add("artifact_set: empty");
        if (ArtifactHash.Length != 64 || !ArtifactHash.All(Uri.IsHexDigit)) e.Add($"artifact_hash: '{ArtifactHash}' is not a SHA-256");
        if (Loss is { } loss && !float.IsFinite(loss)) e.Add($"loss: {loss} is not finite");
        if (Score is { } score && !(score is >= 0 and <= 100)) e.Add($"score: {score} is not a percentage");
        e.AddRange(Config.Validate().Select(m => "config." + m));
        e.AddRange(Schedule.Validate().Select(m => "schedule." + m));
        return e;
    }
}

[JsonSerializable(typeof(CheckpointInfo))]
internal sealed partial class CheckpointJsonContext : JsonSerializerContext;
