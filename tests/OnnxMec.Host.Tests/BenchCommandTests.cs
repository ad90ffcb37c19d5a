using System.Text.Json;

namespace OnnxMec.Host.Tests;

public class BenchCommandTests
{
    [Test]
    public void Bench_loss_prints_a_row_per_method_and_higher_orders_are_closer_to_the_exact_log_det()
    {
        var (exit, output) = CliRunner.Run("bench", "loss", "--dim", "64", "--batches", "32", "--orders", "1,2,4", "--eps-d2", "0.5", "--repeats", "1", "--threads", "1", "--json");
        Assert.That(exit, Is.Zero, output);
        Assert.That(output, Does.Contain("| 32 | taylor order 4 (ORT) |").And.Contain("exact log-det (ORT Det, float32)"));
        using var json = JsonDocument.Parse(CliRunner.LastLine(output));
        var errors = json.RootElement.GetProperty("rows").EnumerateArray()
            .Where(r => r.GetProperty("Method").GetString()!.StartsWith("taylor", StringComparison.Ordinal))
            .Select(r => r.GetProperty("RelativeError").GetDouble()).ToList();
        Assert.That(errors, Has.Count.EqualTo(3));
        Assert.That(errors, Is.Ordered.Descending);
        Assert.That(errors[2], Is.LessThan(1e-3));
    }
}
