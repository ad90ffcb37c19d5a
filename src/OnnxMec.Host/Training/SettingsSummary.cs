using System.Globalization;
using System.Text.Json;

namespace OnnxMec.Host.Training;

/// <summary>
/// Every setting of a run as <c>--set</c> takes it (<c>KEY=VALUE</c>, sections joined by ':'),
/// read from the resolved configuration so nothing the run uses is left out, wrapped into a few
/// lines. Unset optional paths are left out; the loss's settings are the ones in effect, its
/// defaults included.
/// </summary>
internal static class SettingsSummary
{
    /// <summary>Narrower than an 80-column terminal, so the lines are not wrapped again there.</summary>
    private const int LineWidth = 78;

    public static IReadOnlyList<string> Lines(string resolvedConfig, IReadOnlyDictionary<string, double> loss)
    {
        var pairs = new List<string>();
        using (var document = JsonDocument.Parse(resolvedConfig))
            Flatten(document.RootElement, "", pairs, loss);
        var lines = new List<string>();
        var line = new System.Text.StringBuilder("Settings:");
        foreach (var pair in pairs)
        {
            if (line.Length + 1 + pair.Length > LineWidth && line.Length > 2)
            {
                lines.Add(line.ToString());
                line.Clear().Append(' ');
            }
            line.Append(' ').Append(pair);
        }
        lines.Add(line.ToString());
        return lines;
    }

    private static void Flatten(JsonElement element, string prefix, List<string> pairs, IReadOnlyDictionary<string, double> loss)
    {
        foreach (var property in element.EnumerateObject())
        {
            string key = prefix + property.Name;
            var value = property.Value;
            if (key == "Loss")
            {
                foreach (var (name, setting) in loss.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                    pairs.Add($"Loss:{name}={setting.ToString("R", CultureInfo.InvariantCulture)}");
                continue;
            }
            switch (value.ValueKind)
            {
                case JsonValueKind.Object: Flatten(value, key + ":", pairs, loss); break;
                case JsonValueKind.Null: break;
                case JsonValueKind.Array: pairs.Add($"{key}={string.Join(",", value.EnumerateArray().Select(Show))}"); break;
                default: pairs.Add($"{key}={Show(value)}"); break;
            }
        }
    }

    private static string Show(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString() is { Length: > 0 } s && !s.Contains(' ', StringComparison.Ordinal) ? s : $"\"{value.GetString()}\"",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => value.GetRawText(),
    };
}
