using System.Text.Json;
using OnnxMec.Host.Quickstart;

namespace OnnxMec.Host.Tests;

public class QuickstartTests
{
    [Test]
    public void Training_through_onnx_runtime_lowers_the_loss()
    {
        var result = AutodiffQuickstart.Run(new QuickstartOptions(Steps: 15, Threads: 1), (_, _) => { });
        Assert.That(result.Losses, Has.Count.EqualTo(15));
        Assert.That(result.LastLoss, Is.LessThan(0.5 * result.FirstLoss), string.Join(", ", result.Losses));
    }

    [Test]
    public void The_same_seed_gives_the_same_losses()
    {
        var a = AutodiffQuickstart.Run(new QuickstartOptions(Steps: 3, Threads: 1), (_, _) => { });
        var b = AutodiffQuickstart.Run(new QuickstartOptions(Steps: 3, Threads: 1), (_, _) => { });
        Assert.That(b.Losses, Is.EqualTo(a.Losses));
    }

    [Test]
    public void The_quickstart_verb_prints_each_step_and_ends_with_json()
    {
        var (exit, output) = CliRunner.Run("quickstart", "--steps", "4", "--threads", "1", "--json");
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(exit, Is.Zero, output);
        Assert.That(lines.Count(l => l.StartsWith("step ", StringComparison.Ordinal)), Is.EqualTo(4));
        using var json = JsonDocument.Parse(lines[^1]);
        Assert.That(json.RootElement.GetProperty("loss_last").GetDouble(), Is.LessThan(json.RootElement.GetProperty("loss_first").GetDouble()));
    }

    [Test]
    public void Invalid_options_are_refused_with_a_message()
    {
        var (exit, output) = CliRunner.Run("quickstart", "--steps", "0");
        Assert.That(exit, Is.Not.Zero);
        Assert.That(output, Does.Contain("--steps must be at least 1"));
    }
}
