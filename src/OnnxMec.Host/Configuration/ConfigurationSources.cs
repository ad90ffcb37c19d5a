using System.Text.Json;
using Microsoft.Extensions.Configuration;
using OnnxMec.Contract;

namespace OnnxMec.Host.Configuration;

/// <summary>Where a run's settings come from, lowest precedence first: defaults, the JSON file, ONNXMEC__ variables, the command line.</summary>
public static class ConfigurationSources
{
    public const string EnvironmentPrefix = "ONNXMEC__";

    public static IConfigurationRoot Build(string? jsonFile, IReadOnlyDictionary<string, string?> defaults, IReadOnlyDictionary<string, string?> overrides)
    {
        var builder = new ConfigurationBuilder().AddInMemoryCollection(defaults);
        if (jsonFile is not null)
        {
            string path = Path.GetFullPath(jsonFile);
            AddJson(builder, InputFiles.ReadAll(path, "a config file", InputFiles.JsonLimit), path);
        }
        try
        {
            return builder.AddEnvironmentVariables(EnvironmentPrefix).AddInMemoryCollection(overrides).Build();
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"{jsonFile}: {e.Message}");
        }
    }

    /// <summary>
    /// Adds a JSON config read as bytes; JSON that does not parse, or is not an object, is an error
    /// naming the source and where it fails (the configuration reader would only say "failed to load").
    /// </summary>
    public static IConfigurationBuilder AddJson(IConfigurationBuilder builder, byte[] json, string source)
    {
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{source}: a config is a JSON object ({{ \"Lr\": 0.3, … }}), not {document.RootElement.ValueKind.ToString().ToLowerInvariant()}");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not valid JSON: {JsonErrors.Describe(e)}");
        }
        return builder.AddJsonStream(new MemoryStream(json));
    }

    /// <summary>Binds and validates, once; every invalid field is listed in one error.</summary>
    public static TrainingSettings Bind(IConfiguration configuration)
    {
        var options = new TrainingOptions();
        try
        {
            configuration.Bind(options, o => o.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException e)
        {
            throw new OptionsInvalidException([e.Message]);
        }
        return TrainingOptionsValidator.Resolve(options);
    }
}

/// <summary>The configuration is invalid; <see cref="Exception.Message"/> lists every problem.</summary>
public sealed class OptionsInvalidException(IReadOnlyList<string> errors)
    : Exception(Problems.Join("Invalid configuration", errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
