using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace OnnxMec.Host.Configuration;

/// <summary>
/// <see cref="TrainingOptions"/> as JSON with the configuration's own names (as config files and
/// ONNXMEC__ variables spell them), so a run's config.json reads back as a config file.
/// Source-generated, so a trimmed build writes it without reflection.
/// </summary>
[JsonSerializable(typeof(TrainingOptions))]
internal sealed partial class ConfigurationJsonContext : JsonSerializerContext
{
    private static JsonTypeInfo<TrainingOptions>? _indented;

    /// <summary>config.json: indented. Made on first use: the generated <see cref="Default"/> is not set while this type's static fields are.</summary>
    public static JsonTypeInfo<TrainingOptions> Indented =>
        _indented ??= (JsonTypeInfo<TrainingOptions>)new JsonSerializerOptions { WriteIndented = true, TypeInfoResolver = Default }.GetTypeInfo(typeof(TrainingOptions));
}
