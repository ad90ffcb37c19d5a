using System.Text.Json;

namespace OnnxMec.Contract;

/// <summary>
/// A JSON reader's complaint as a person reads it: which field (its path in the document), on
/// which line, and what was expected there, without the .NET type names.
/// </summary>
public static class JsonErrors
{
    public static string Describe(JsonException e)
    {
        string message = e.Message;
        foreach (var tail in new[] { " Path: ", " LineNumber: " })
            if (message.IndexOf(tail, StringComparison.Ordinal) is >= 0 and var cut) message = message[..cut];
        const string Missing = "was missing required properties including: ";
        const string Convert = "The JSON value could not be converted to ";
        if (message.Contains("doesn't allow null values", StringComparison.Ordinal)) message = "null, where a value is required";
        else if (message.IndexOf(Missing, StringComparison.Ordinal) is >= 0 and var at) message = "missing the required field(s) " + message[(at + Missing.Length)..].TrimEnd('.');
        else if (message.StartsWith(Convert, StringComparison.Ordinal)) message = "not " + Expected(message[Convert.Length..].TrimEnd('.'));
        string field = e.Path is { Length: > 1 } path ? path.TrimStart('$').TrimStart('.') : "";
        string line = e.LineNumber is { } n ? $"line {n + 1}" : "";
        string where = field.Length > 0 && line.Length > 0 ? $"{field} ({line})" : field + line;
        return where.Length > 0 ? $"{where}: {message}" : message;
    }

    /// <summary>What a .NET type means in a JSON document.</summary>
    private static string Expected(string type)
    {
        string name = type[(type.LastIndexOfAny(['.', '+']) + 1)..];
        return name switch
        {
            "Int32" or "Int64" => "a whole number",
            "Single" or "Double" => "a number",
            "String" => "a string",
            "Boolean" => "true or false",
            _ when name.EndsWith("[]", StringComparison.Ordinal) || name.StartsWith("IReadOnlyList", StringComparison.Ordinal) => "an array",
            _ => "an object (" + name.Split('`')[0] + ")",
        };
    }
}
