using System.Diagnostics;
using OnnxMec.Graphs;

namespace OnnxMec.Host.Tests;

/// <summary>
/// A tiny artifact set (4-channel ResNet-18 on 28×28 grey images) in a temporary folder, and the
/// settings of a short training run on 1,000 embedded Fashion-MNIST images.
/// </summary>
[SetUpFixture]
public sealed class HostFixture
{
    public static string Root { get; private set; } = "";
    public static string TinySet => Path.Combine(Root, "tiny-set");

    [OneTimeSetUp]
    public void BuildTinySet()
    {
        Root = Directory.CreateTempSubdirectory("onnxmec-host-").FullName;
        var config = new Contract.ArtifactConfig
        {
            Arch = "resnet18", Stem = "cifar", Width = 1.0 / 16, ImageSize = 28, Channels = 1,
            ProjectorDims = [32, 32], PredictorHidden = 16, WeightDecay = 5e-4, ZeroInitResidual = false,
        };
        ArtifactSetBuilder.Build("tiny", config).WriteTo(TinySet);
    }

    [OneTimeTearDown]
    public void RemoveFolder() => Directory.Delete(Root, recursive: true);

    /// <summary>--set arguments for a short, deterministic run: 1,000 training images (31 steps of 32 per epoch).</summary>
    public static string[] ShortRun(int epochs, params string[] extra) =>
    [
        "--set", $"Artifacts={TinySet}", "--set", "Data:Source=fashion-mnist-embedded", "--set", "Data:EmbeddedQueries=9000",
        "--set", "BatchSize=32", "--set", $"Epochs={epochs}", "--set", "Threads=1", "--set", "Knn:MaxQueries=500",
        "--set", "Lr=0.3", "--set", "WarmupEpochs=0",
        .. extra.SelectMany(e => new[] { "--set", e }),
    ];

    public static string NewRunDir(string name) => Path.Combine(Root, $"{name}-{Guid.NewGuid():N}");

    private static readonly Lazy<string> Trained = new(() =>
    {
        string run = NewRunDir("trained");
        var (exit, output) = CliRunner.Run(["train", "--run-dir", run, .. ShortRun(1, "Knn:AtStart=false", "Export=false")]);
        return exit == 0 ? run : throw new InvalidOperationException("the shared one-epoch run did not train:\n" + output);
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// A finished one-epoch run (ShortRun(1) without the start kNN and export), trained on first use
    /// and shared by the tests that only read it: its checkpoint is checkpoints/checkpoint-00000031.safetensors.
    /// </summary>
    public static string TrainedRun => Trained.Value;

    /// <summary>Starts the CLI in its own process (for signals), with the test host's runtime and dependencies.</summary>
    public static Process StartCli(params string[] args)
    {
        string dll = typeof(Cli.OnnxMecCommandLine).Assembly.Location;
        string bin = Path.GetDirectoryName(dll)!;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "exec", "--runtimeconfig", Path.Combine(bin, "OnnxMec.Host.Tests.runtimeconfig.json"), "--depsfile", Path.Combine(bin, "OnnxMec.Host.Tests.deps.json"), dll })
            start.ArgumentList.Add(a);
        foreach (var a in args) start.ArgumentList.Add(a);
        return Process.Start(start)!;
    }

    /// <summary>The step records of a run's metrics.jsonl: (step, loss as written).</summary>
    public static List<(long Step, string Loss)> Steps(string runDir) =>
        File.Exists(Path.Combine(runDir, "metrics.jsonl"))
            ? File.ReadAllLines(Path.Combine(runDir, "metrics.jsonl"))
                .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement)
                .Where(e => e.GetProperty("type").GetString() == "step")
                .Select(e => (e.GetProperty("step").GetInt64(), e.GetProperty("loss").GetRawText())).ToList()
            : [];
}
