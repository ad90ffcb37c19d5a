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
            .Where(r => r.GetProperty("method").GetString()!.StartsWith("taylor", StringComparison.Ordinal))
            .Select(r => r.GetProperty("relative_error").GetDouble()).ToList();
        Assert.That(errors, Has.Count.EqualTo(3));
        Assert.That(errors, Is.Ordered.Descending);
        Assert.That(errors[2], Is.LessThan(1e-3));
        Assert.That(json.RootElement.GetProperty("device").GetString(), Is.EqualTo("cpu"));
    }
}

public class BenchStepAndDataTests
{
    [Test]
    public void Bench_step_reports_the_fused_step_the_split_and_peak_rss()
    {
        var (exit, output) = CliRunner.Run("bench", "step", "--model", "resnet18-mini", "--batch", "4", "--threads", "1", "--steps", "2", "--json");
        Assert.That(exit, Is.Zero, output);
        Assert.That(output, Does.Contain("| train_step (fused) |").And.Contain("| optimizer_model |"));
        using var json = System.Text.Json.JsonDocument.Parse(CliRunner.LastLine(output));
        var r = json.RootElement;
        Assert.That(r.GetProperty("min_ms").GetDouble(), Is.Positive.And.LessThanOrEqualTo(r.GetProperty("median_ms").GetDouble()));
        Assert.That(r.GetProperty("max_ms").GetDouble(), Is.GreaterThanOrEqualTo(r.GetProperty("median_ms").GetDouble()));
        Assert.That(r.GetProperty("peak_rss_mb").GetDouble(), Is.Positive);
        Assert.That((r.GetProperty("device").GetString(), r.GetProperty("state_memory").GetString()), Is.EqualTo(("cpu", "managed")));
    }

    [Test]
    public void Bench_data_reports_images_per_second_for_both_recipes()
    {
        string folder = Path.Combine(HostFixture.Root, "bench-jpegs");
        var (exit, output) = CliRunner.Run("bench", "data", "--jpegs", "8", "--small-batches", "2", "--json");
        Assert.That(exit, Is.Zero, output);
        using var json = System.Text.Json.JsonDocument.Parse(CliRunner.LastLine(output));
        var rows = json.RootElement.GetProperty("rows").EnumerateArray().ToList();
        Assert.That(rows.Select(r => r.GetProperty("recipe").GetString()).Distinct(), Is.EquivalentTo(new[] { "imagenet 224", "small 28" }));
        Assert.That(rows.All(r => r.GetProperty("images_per_second").GetDouble() > 0), Is.True);
    }
}

public class CudaOnTheCpuBuildTests
{
    /// <summary>This build has no CUDA provider: every verb that takes --device cuda stops at once, saying what to build and install.</summary>
    [TestCase("bench", "step", "--model", "resnet18-mini", "--batch", "2", "--steps", "1", "--fused-only")]
    [TestCase("bench", "loss", "--dim", "8", "--batches", "4", "--repeats", "1")]
    [TestCase("quickstart", "--epochs", "1")]
    public void A_verb_asked_for_cuda_fails_with_what_to_build_and_install(params string[] verb)
    {
        var (exit, output) = CliRunner.Run([.. verb, "--device", "cuda", .. verb[0] == "quickstart" ? new[] { "--run-dir", HostFixture.NewRunDir("cuda") } : []]);
        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain("error: --device cuda").And.Contain("OrtFlavor=Gpu").And.Contain("libcudnn.so.9"));
    }
}
