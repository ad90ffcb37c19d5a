using System.Text.Json;
using OnnxMec.Runtime;

namespace OnnxMec.Host.Cli;

/// <summary>The last line every verb can print with --json (its results as one JSON object, snake_case keys), and shared option parsing.</summary>
internal static class CliOutput
{
    /// <summary>Writes a verb's result record (registered in <see cref="OutputJsonContext"/>) as one line.</summary>
    public static void Json(TextWriter output, object result) => output.WriteLine(JsonSerializer.Serialize(result, result.GetType(), OutputJsonContext.Default));

    /// <summary>"Key=value" pairs from --set, keys in configuration form ("Data:Source").</summary>
    public static Dictionary<string, string?> Settings(IEnumerable<string> pairs)
    {
        var result = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in pairs)
        {
            int eq = pair.IndexOf('=');
            // --set takes several pairs per flag, so an option this verb lacks (--threads on train) lands here.
            if (eq <= 0 && pair.StartsWith('-'))
                throw new ArgumentException($"'{pair}' is not an option of this command (see --help); a setting is given as --set KEY=VALUE, e.g. --set Threads=2");
            if (eq <= 0) throw new ArgumentException($"--set '{pair}': expected KEY=VALUE, e.g. Data:Source=idx");
            result[pair[..eq].Replace("__", ":", StringComparison.Ordinal)] = pair[(eq + 1)..];
        }
        return result;
    }

    /// <summary>--state-memory: managed or device.</summary>
    public static StateMemory Memory(string name) => name switch
    {
        "managed" => StateMemory.Managed,
        "device" => StateMemory.Device,
        _ => throw new ArgumentException($"--state-memory: '{name}' is not managed or device"),
    };

    /// <summary>A device or memory as the options spell it (cpu, cuda; managed, device).</summary>
    public static string Name<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();

    /// <summary>--device: cpu, cuda or auto.</summary>
    public static DeviceKind Device(string name) => name switch
    {
        "cpu" => DeviceKind.Cpu,
        "cuda" => DeviceKind.Cuda,
        "auto" => DeviceKind.Auto,
        _ => throw new ArgumentException($"--device: '{name}' is not cpu, cuda or auto"),
    };
}
