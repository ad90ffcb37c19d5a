using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace OnnxMec.Contract;

/// <summary>
/// The JSON conventions of every file the contract defines (manifest.json, checkpoint metadata):
/// snake_case names, NaN and infinities as named literals, and a missing or null field of a record
/// that does not allow one an error, not a null that fails later (a manifest or checkpoint someone
/// edited). Types come from source-generated contexts, never reflection, so trimmed builds read them.
/// </summary>
public static class ContractJson
{
    /// <summary>The metadata of <typeparamref name="T"/> from a source-generated context, under the contract's conventions.</summary>
    public static JsonTypeInfo<T> TypeInfo<T>(IJsonTypeInfoResolver context, bool indented)
    {
        var options = new JsonSerializerOptions
        {
            WriteIndented = indented,
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
            RespectNullableAnnotations = true,
            RespectRequiredConstructorParameters = true,
            TypeInfoResolver = context,
        };
        return (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));
    }
}

[JsonSerializable(typeof(Manifest))]
internal sealed partial class ManifestJsonContext : JsonSerializerContext;
