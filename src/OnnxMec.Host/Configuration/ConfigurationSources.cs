using Microsoft.Extensions.Configuration;

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
            if (!File.Exists(jsonFile)) throw new FileNotFoundException($"{jsonFile}: no such config file", jsonFile);
            builder.AddJsonFile(Path.GetFullPath(jsonFile), optional: false, reloadOnChange: false);
        }
        return builder.AddEnvironmentVariables(EnvironmentPrefix).AddInMemoryCollection(overrides).Build();
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
    : Exception("Invalid configuration:\n  " + string.Join("\n  ", errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
