using System.Text.Json;

namespace OnnxMec.Host.Training;

/// <summary>
/// metrics.jsonl: one JSON object a line, per step and per evaluation, flushed as written so a
/// crash loses nothing before it. Non-finite numbers (a diverging step) are written as the strings
/// "NaN", "Infinity" and "-Infinity", so the file stays valid JSON.
/// </summary>
internal sealed class MetricsLog : IDisposable
{
    private readonly StreamWriter _writer;
    private readonly string _path;

    public MetricsLog(string path)
    {
        _path = path;
        _writer = Guarded(() => new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true });
    }

    /// <summary>A step: the loss and metrics the graph reported and the scalars it ran with, by name, then the throughput.</summary>
    public void Step(long step, int epoch, IReadOnlyDictionary<string, float> reported, IReadOnlyDictionary<string, float> scalars, double imagesPerSecond)
    {
        var record = new Dictionary<string, object> { ["type"] = "step", ["step"] = step, ["epoch"] = epoch };
        foreach (var (name, value) in reported) record[name] = value;
        foreach (var (name, value) in scalars) record[name] = value;
        record["images_per_second"] = imagesPerSecond;
        Write(record);
    }

    /// <summary>A record of a type registered in <see cref="Cli.OutputJsonContext"/>, as one line.</summary>
    public void Write(object record) => Guarded(() => _writer.WriteLine(JsonSerializer.Serialize(record, record.GetType(), Cli.OutputJsonContext.Default)));

    private T Guarded<T>(Func<T> action)
    {
        try { return action(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentOutOfRangeException { ParamName: "value" })
        {
            throw new InvalidDataException($"{_path}: cannot be written: {(e is ArgumentOutOfRangeException ? "over the file-size limit" : e.Message)}", e);
        }
    }

    private void Guarded(Action action) => Guarded(() => { action(); return 0; });

    /// <summary>Every record of a metrics file of the given type, as JSON elements; lines that are not JSON objects are skipped.</summary>
    public static IEnumerable<JsonElement> Read(string path, string type)
    {
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length == 0) continue;
            JsonElement element;
            try { element = JsonDocument.Parse(line).RootElement; }
            catch (JsonException) { continue; }
            if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String && t.GetString() == type)
                yield return element;
        }
    }

    public void Dispose() => _writer.Dispose();
}

/// <summary>The state checksum of every process at a step, in rank order (they must be equal).</summary>
internal sealed record VerifyRecord(string Type, long Step, string[] Checksums);

/// <summary>The BatchNorm recalibration at the end of a run: how many un-augmented images, in how many batches.</summary>
internal sealed record BatchNormRecord(string Type, long Step, int Images, int Batches, double Seconds);

internal sealed record KnnRecord(string Type, long Step, int Epoch, double KnnTop1, double KnnTop5, int Bank, int Queries, double Seconds);
