namespace OnnxMec.Host.Tests.HostileInput;

/// <summary>
/// Every hostile input of <see cref="HostileCases"/> through the real command line: the exit code
/// expected, one "error: …" line naming the file or field and what was expected (no stack trace),
/// and nothing already on disk changed: the trained run, the crafted inputs and the artifact set are
/// as they were, and no run folder or output file is left behind. Each case's first line of output
/// is printed, so the test log holds the table of observed results.
/// </summary>
public class HostileInputTests
{
    [OneTimeSetUp]
    public void MakeTheInputs() => HostileWorld.Ensure();

    [TestCaseSource(typeof(HostileCases), nameof(HostileCases.All))]
    public void A_hostile_input_ends_with_its_exit_code_and_one_clear_message_and_changes_nothing(HostileCase c)
    {
        string newRun = HostFixture.NewRunDir("hostile-new"), output = Path.Combine(HostFixture.Root, $"hostile-out-{Guid.NewGuid():N}.onnx");
        var args = HostileCase.Expand(c.CommandLine, newRun, output).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string[] watched = [HostileWorld.Root, HostileWorld.Run, HostFixture.TinySet];
        var before = DiskSnapshot.Take(watched, [HostileWorld.Run]);

        int exit;
        string text;
        // FileShare.None takes the same flock(2) a training process holds on its run folder.
        using (c.HoldsRunLock ? new FileStream(Path.Combine(HostileWorld.Run, "run.lock"), FileMode.Open, FileAccess.ReadWrite, FileShare.None) : null)
            (exit, text) = CliRunner.Run(args);

        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string first = lines.FirstOrDefault(l => l.StartsWith("error: ", StringComparison.Ordinal)) ?? lines.LastOrDefault() ?? "";
        TestContext.Out.WriteLine($"| {c.Class} | {c.Name} | {exit} | {first} |");

        Assert.That(exit, Is.EqualTo(c.Exit), text);
        foreach (var expected in c.Expected) Assert.That(text, Does.Contain(HostileCase.Expand(expected, newRun, output)));
        Assert.That(text, Does.Not.Contain("   at ").And.Not.Contain("Unhandled exception").And.Not.Contain("Exception:"), "no stack trace");
        if (c.Exit != 0) Assert.That(lines.Count(l => l.StartsWith("error: ", StringComparison.Ordinal)), Is.EqualTo(1), "one error line");
        Assert.That(DiskSnapshot.Take(watched, [HostileWorld.Run]).ChangesSince(before), Is.Empty, "nothing already on disk changed");
        Assert.That(Directory.Exists(newRun), Is.False, "no run folder is left behind");
        Assert.That(File.Exists(output), Is.False, "no output is written");
    }

    [Test]
    public void The_table_covers_every_class_of_the_issue_with_at_least_60_cases()
    {
        var cases = HostileCases.All().ToList();
        Assert.That(cases, Has.Count.GreaterThanOrEqualTo(60));
        // Class 4 (work lost at the end) needs a run that trains; it is tested in RunFolderFaultTests.
        Assert.That(cases.Select(c => c.Class).Distinct(), Is.SupersetOf(new[] { 1, 2, 3, 5, 6, 7 }));
        Assert.That(cases.Select(c => c.Name), Is.Unique);
    }
}
