namespace OnnxMec.Host.Tests.HostileInput;

public class ResumeCompatibilityTests
{
    [OneTimeSetUp]
    public void MakeTheInputs() => HostileWorld.Ensure();

    [Test]
    public void Changes_that_do_not_shape_the_run_are_allowed_on_resume_and_each_reported()
    {
        string run = HostFixture.NewRunDir("resume-allowed");
        foreach (var file in Directory.GetFiles(HostileWorld.Run, "*", SearchOption.AllDirectories).Where(f => Path.GetFileName(f) != "run.lock"))
        {
            string target = Path.Combine(run, Path.GetRelativePath(HostileWorld.Run, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        var (exit, output) = CliRunner.Run("train", "--resume", "--run-dir", run, "--set", "Threads=2", "--set", "Knn:EveryEpochs=1", "--set", "Data:Workers=1");
        Assert.That(exit, Is.Zero, output);
        Assert.That(output, Does.Contain("resume: Threads: 1 → 2").And.Contain("resume: Data:Workers: 0 → 1").And.Contain("resume: Knn: "));
    }
}
