using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace OnnxMec.Contract;

/// <summary>A state tensor of a run: parameters, target parameters, momenta and BN statistics.</summary>
public sealed record ManifestTensor(string Name, string Role, [property: JsonPropertyName("dtype")] string DType, long[] Shape, string Init,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] long FanIn = 0,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? CopyOf = null);

/// <summary>
/// A graph input or output; shape dims are numbers or the batch symbol "N". A metric may declare a
/// limit it should stay below, and what to do when it does not (the runtime warns or stops).
/// </summary>
public sealed record ManifestValue(string Name, string Role, [property: JsonPropertyName("dtype")] string DType, string[] Shape,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Updates = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Description = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Limit = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? LimitHint = null);

public sealed record ManifestGraph(string File, string Sha256, IReadOnlyList<ManifestValue> Inputs, IReadOnlyList<ManifestValue> Outputs);

/// <summary>Where the initial weights are: a safetensors file in the set (with its SHA-256), or made from the seed on first use.</summary>
public sealed record ManifestWeights(string? File, int Seed,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Sha256 = null);

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

    private static readonly JsonTypeInfo<Manifest> Json = ContractJson.TypeInfo<Manifest>(ManifestJsonContext.Default, indented: true);

    /// <summary>Indented JSON with arrays of numbers and strings kept on one line, "\n" line ends.</summary>
    public string ToJson() =>
        FlatArray().Replace(JsonSerializer.Serialize(this, Json).ReplaceLineEndings("\n"),
            m => "[" + string.Join(", ", m.Groups[1].Value.Split(',').Select(item => item.Trim())) + "]") + "\n";

    [System.Text.RegularExpressions.GeneratedRegex(@"\[\s*([^\[\]{}]+?)\s*\]")]
    private static partial System.Text.RegularExpressions.Regex FlatArray();

    /// <summary>
    /// Every way the manifest does not hold together, at once: file names that leave the folder,
    /// unknown roles and dtypes, impossible shapes (sizes checked against overflow), updates of
    /// tensors that do not exist, graphs the runtime needs that are missing.
    /// </summary>
    public IReadOnlyList<string> Validate()
    {
        var e = NullEntries();
        if (e.Count > 0) return e;
        e.AddRange(Config.Validate().Select(m => "config." + m));
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in Tensors)
        {
            if (string.IsNullOrEmpty(t.Name) || !names.Add(t.Name)) e.Add($"tensor '{t.Name}': empty or repeated name");
            if (!Roles.IsState(t.Role)) e.Add($"tensor '{t.Name}': role '{t.Role}' is not a state role");
            if (t.DType != "float32") e.Add($"tensor '{t.Name}': dtype '{t.DType}' is not float32");
            if (ElementCount(t.Shape) is null) e.Add($"tensor '{t.Name}': shape [{string.Join(",", t.Shape)}] is not a shape of at most 2^31 elements");
            if (t.Init == TensorInit.Copy && (t.CopyOf is null || !Tensors.Any(o => o.Name == t.CopyOf && o.Shape.SequenceEqual(t.Shape))))
                e.Add($"tensor '{t.Name}': copy_of '{t.CopyOf}' is not a tensor of the same shape");
        }
        if (Weights.File is { } weights)
        {
            if (!IsPlainFileName(weights)) e.Add($"weights.file: '{weights}' must be a file name inside the set's folder");
            if (Weights.Sha256 is not { Length: 64 } sha || !sha.All(Uri.IsHexDigit)) e.Add("weights.sha256: the SHA-256 of the weights file is missing or malformed");
        }
        foreach (var missing in ArtifactNames.GraphNames.Where(g => !Graphs.ContainsKey(g)))
            e.Add($"graphs: '{missing}' is missing (an artifact set has {string.Join(", ", ArtifactNames.GraphNames)})");
        foreach (var (name, graph) in Graphs)
        {
            if (!IsPlainFileName(graph.File)) e.Add($"graph '{name}': file '{graph.File}' must be a file name inside the set's folder");
            if (graph.Sha256.Length != 64 || !graph.Sha256.All(Uri.IsHexDigit)) e.Add($"graph '{name}': sha256 '{graph.Sha256}' is malformed");
            foreach (var v in graph.Inputs.Concat(graph.Outputs))
            {
                if (!Roles.IsKnown(v.Role)) e.Add($"graph '{name}': value '{v.Name}' has the unknown role '{v.Role}'");
                if (Roles.IsState(v.Role) && !names.Contains(v.Name)) e.Add($"graph '{name}': input '{v.Name}' is not a state tensor of the manifest");
                if (v.Updates is { } updated && !names.Contains(updated)) e.Add($"graph '{name}': output '{v.Name}' updates '{updated}', which is not a state tensor");
                if (v.Limit is { } limit && !double.IsFinite(limit)) e.Add($"graph '{name}': metric '{v.Name}' has a limit of {limit}");
            }
        }
        return e;
    }

    /// <summary>
    /// Null entries of the manifest's lists and maps: the JSON reader refuses a null field, but not
    /// a null item of a list (an edited manifest), and the checks after this one read every item.
    /// </summary>
    private List<string> NullEntries()
    {
        var e = new List<string>();
        for (int i = 0; i < Tensors.Count; i++)
            if (Tensors[i] is null) e.Add($"tensors[{i}]: null, where a tensor is expected");
        foreach (var (name, graph) in Graphs)
        {
            if (graph is null) { e.Add($"graphs.{name}: null, where a graph is expected"); continue; }
            foreach (var (list, values) in new[] { ("inputs", graph.Inputs), ("outputs", graph.Outputs) })
                for (int i = 0; i < values.Count; i++)
                    if (values[i] is null) e.Add($"graphs.{name}.{list}[{i}]: null, where a value is expected");
                    else if (values[i].Shape.Any(d => d is null)) e.Add($"graphs.{name}.{list}[{i}].shape: null, where a dimension is expected");
        }
        return e;
    }

    /// <summary>The element count of a shape, or null when a dimension is negative or the count exceeds 2^31 − 1.</summary>
    public static long? ElementCount(IReadOnlyList<long> shape)
    {
        long count = 1;
        foreach (long d in shape)
        {
            if (d < 0) return null;
            if (d != 0 && count > int.MaxValue / d) return null;
            count *= d;
        }
        return count;
    }

    /// <summary>A name with no folder part: not rooted, no separator, not "." or "..".</summary>
    public static bool IsPlainFileName(string name) =>
        name.Length > 0 && name is not ("." or "..") && name.IndexOfAny(['/', '\\', '\0']) < 0 && !System.IO.Path.IsPathRooted(name);

    /// <summary>Reads a manifest; a missing or malformed file is an error naming it.</summary>
    public static Manifest Load(string path)
    {
        if (!System.IO.File.Exists(path) && !System.IO.Directory.Exists(path))
            throw new InvalidDataException($"{path}: no manifest here (is this an artifact-set folder? build one with 'onnxmec artifacts build')");
        string text = InputFiles.ReadText(path, "an artifact-set manifest");
        try
        {
            var manifest = JsonSerializer.Deserialize(text, Json) ?? throw new InvalidDataException($"{path}: empty manifest");
            var errors = manifest.Validate();
            if (errors.Count > 0) throw new InvalidDataException(Problems.Join($"{path}: invalid manifest", errors));
            return manifest;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: malformed manifest: {JsonErrors.Describe(e)}");
        }
    }
}
