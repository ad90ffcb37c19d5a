using System.Text.Json;
using System.Text.Json.Serialization;

namespace OnnxMec.Formats;

/// <summary>Roles of graph inputs, outputs and state tensors, as manifest.json names them.</summary>
public static class Roles
{
    public const string Param = "param";
    public const string TargetParam = "target_param";
    public const string Momentum = "momentum";
    public const string BnStat = "bn_stat";
    public const string TargetBnStat = "target_bn_stat";
    public const string Data = "data";
    public const string Lr = "scalar:lr";
    public const string LambdaInv = "scalar:lambda_inv";
    public const string Ema = "scalar:ema";
    public const string Loss = "loss";
    public const string Metric = "metric";
    public const string Gradient = "gradient";
    public const string Update = "update";
    public const string Feature = "feature";
    public const string Embedding = "embedding";

    public static bool IsState(string role) => role is Param or TargetParam or Momentum or BnStat or TargetBnStat;
}

/// <summary>A state tensor of a run: parameters, target parameters, momenta and BN statistics.</summary>
public sealed record ManifestTensor(string Name, string Role, [property: JsonPropertyName("dtype")] string DType, long[] Shape, string Init,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] long FanIn = 0,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? CopyOf = null);

/// <summary>A graph input or output; shape dims are numbers or the batch symbol "N".</summary>
public sealed record ManifestValue(string Name, string Role, [property: JsonPropertyName("dtype")] string DType, string[] Shape,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Updates = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Description = null);

public sealed record ManifestGraph(string File, string Sha256, IReadOnlyList<ManifestValue> Inputs, IReadOnlyList<ManifestValue> Outputs);

/// <summary>Where the initial weights are: a safetensors file in the set, or made from the seed on first use.</summary>
public sealed record ManifestWeights(string? File, int Seed);

/// <summary>manifest.json of an artifact set: what it was built from, its state tensors, and every graph's contract.</summary>
public sealed partial record Manifest(
    string Name,
    string BuilderVersion,
    ArtifactConfig Config,
    IReadOnlyList<ManifestTensor> Tensors,
    IReadOnlyDictionary<string, ManifestGraph> Graphs,
    ManifestWeights Weights)
{
    public const string FileName = "manifest.json";

    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Indented JSON with arrays of numbers and strings kept on one line, "\n" line ends.</summary>
    public string ToJson() =>
        FlatArray().Replace(JsonSerializer.Serialize(this, JsonOptions).ReplaceLineEndings("\n"),
            m => "[" + string.Join(", ", m.Groups[1].Value.Split(',').Select(item => item.Trim())) + "]") + "\n";

    [System.Text.RegularExpressions.GeneratedRegex(@"\[\s*([^\[\]{}]+?)\s*\]")]
    private static partial System.Text.RegularExpressions.Regex FlatArray();

    /// <summary>Reads a manifest; a missing or malformed file is an error naming it.</summary>
    public static Manifest Load(string path)
    {
        if (!System.IO.File.Exists(path)) throw new InvalidDataException($"{path}: no manifest here (is this an artifact-set folder? build one with 'onnxmec artifacts build')");
        try
        {
            return JsonSerializer.Deserialize<Manifest>(System.IO.File.ReadAllText(path), JsonOptions)
                ?? throw new InvalidDataException($"{path}: empty manifest");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: malformed manifest: {e.Message}");
        }
    }
}
