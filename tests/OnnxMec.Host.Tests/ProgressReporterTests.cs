using Microsoft.Extensions.Logging.Abstractions;
using OnnxMec.Host.Training;

namespace OnnxMec.Host.Tests;

public class ProgressReporterTests
{
    [Test]
    public void Plain_progress_prints_messages_as_they_come_and_always_the_first_and_last_step()
    {
        var output = new StringWriter();
        using (var progress = new PlainProgress(output, NullLogger.Instance))
        {
            progress.Message("kNN (random init, step 0): top-1 60.00 %");
            progress.Step(1, 100, 0, -0.5f, 100);
            progress.Step(100, 100, 0, -0.9f, 100);
            progress.Complete();
            progress.Message("Finished");
        }
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(4));
        Assert.That(lines[1], Does.StartWith("epoch 1 step 1/100 loss -0.5000"));
        Assert.That(lines[2], Does.StartWith("epoch 1 step 100/100 loss -0.9000"), "the last step is always printed");
        Assert.That(lines[3], Is.EqualTo("Finished"));
    }

    [Test]
    public void Live_messages_are_wrapped_to_the_terminal_keeping_their_indent()
    {
        string message = "  kNN queries: image folder /data/pets/test: 30 images, 3 classes from its sub-folders (cat, dog, fox); RGB 64×48";
        var lines = LiveProgress.Wrap(message + "\nSettings: A=1", 40).ToList();
        Assert.That(lines, Has.All.Length.LessThanOrEqualTo(40));
        Assert.That(lines[0], Does.StartWith("  kNN queries:"));
        Assert.That(lines.Skip(1).TakeWhile(l => !l.StartsWith('S')), Has.All.StartWith("    "), "continuations indented two more");
        Assert.That(string.Join(" ", lines.Select(l => l.Trim())), Is.EqualTo(message.Trim() + " Settings: A=1"), "no word lost");
    }
}
