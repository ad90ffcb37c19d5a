using System.Text.Json;

namespace OnnxMec.Host.Training;

/// <summary>metrics.jsonl: one JSON object a line, per step and per evaluation, flushed as written so a crash loses nothing before it.</summary>
internal sealed class MetricsLog : IDisposable
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private readonly StreamWriter _writer;

    public MetricsLog(string path)
    {
        _writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
    }

    public void Write(object record) => _writer.WriteLine(JsonSerializer.Serialize(record, Json));

    /// <summary>Every record of a metrics file of the given type, as JSON elements.</summary>
    public static IEnumerable<JsonElement> Read(string path, string type) =>
        File.ReadLines(path).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.TryGetProperty("type", out var t) && t.GetString() == type);

    public void Dispose() => _writer.Dispose();
}

internal sealed record StepRecord(string Type, long Step, int Epoch, float Loss, double Lr, double LambdaInv, double EmaMomentum,
    float CodingLength, float PositiveCosine, float SpectralNorm, double ImagesPerSecond);

internal sealed record KnnRecord(string Type, long Step, int Epoch, double KnnTop1, double KnnTop5, int Bank, int Queries, double Seconds);
