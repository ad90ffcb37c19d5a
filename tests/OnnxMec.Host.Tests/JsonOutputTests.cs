using System.Text.Json;
using System.Text.RegularExpressions;

namespace OnnxMec.Host.Tests;

/// <summary>Every verb's --json: one line, one object, snake_case keys, the values the verb actually used.</summary>
public partial class JsonOutputTests
{
    private static string _checkpoint = "";

    [OneTimeSetUp]
    public void TrainBriefly()
    {
        string run = HostFixture.NewRunDir("json");
        var (exit, output) = CliRunner.Run(["train", "--run-dir", run, "--json", .. HostFixture.ShortRun(1, "Knn:AtStart=false", "Export=false")]);
        Assert.That(exit, Is.Zero, output);
        AssertSnakeCase(output, "train");
        _checkpoint = Path.Combine(run, "checkpoints", "latest.safetensors");
    }

    /// <summary>Keys of objects; a dictionary's keys are names from elsewhere (export's ONNX metadata keys "onnxmec.input_size"), so dots are allowed.</summary>
    [GeneratedRegex("^[a-z][a-z0-9_.]*$")]
    private static partial Regex SnakeCase();

    private static JsonElement AssertSnakeCase(string output, string verb)
    {
        var root = JsonDocument.Parse(CliRunner.LastLine(output)).RootElement;
        Assert.That(root.ValueKind, Is.EqualTo(JsonValueKind.Object), verb);
        var keys = new List<string>();
        void Walk(JsonElement e)
        {
            if (e.ValueKind == JsonValueKind.Object)
                foreach (var p in e.EnumerateObject()) { keys.Add(p.Name); Walk(p.Value); }
            else if (e.ValueKind == JsonValueKind.Array)
                foreach (var item in e.EnumerateArray()) Walk(item);
        }
        Walk(root);
        Assert.That(keys, Is.Not.Empty, verb);
        Assert.That(keys.Where(k => !SnakeCase().IsMatch(k)), Is.Empty, $"{verb}: keys not in snake_case");
        return root;
    }

    [Test]
    public void Bench_verbs_write_snake_case_json_and_bench_step_reports_its_threads_and_makes_the_profile_folder()
    {
        string profile = Path.Combine(HostFixture.Root, "profile", "not-made-yet", "step");
        var (exit, output) = CliRunner.Run("bench", "step", "--model", "resnet18-mini", "--batch", "4", "--threads", "1", "--steps", "1", "--fused-only", "--profile", profile, "--json");
        Assert.That(exit, Is.Zero, output);
        Assert.That(AssertSnakeCase(output, "bench step").GetProperty("threads").GetInt32(), Is.EqualTo(1));
        Assert.That(output, Does.Contain("(1 threads,"), "the table says the same");
        Assert.That(output, Does.Contain("node time per run by operator type"), "--profile made its folder and wrote the profile");

        (exit, output) = CliRunner.Run("bench", "loss", "--dim", "16", "--batches", "8", "--orders", "1", "--repeats", "1", "--threads", "1", "--json");
        Assert.That(exit, Is.Zero, output);
        Assert.That(AssertSnakeCase(output, "bench loss").GetProperty("rows")[0].GetProperty("forward_ms").GetDouble(), Is.Positive);

        (exit, output) = CliRunner.Run("bench", "data", "--jpegs", "4", "--small-batches", "1", "--json");
        Assert.That(exit, Is.Zero, output);
        Assert.That(AssertSnakeCase(output, "bench data").GetProperty("rows")[0].GetProperty("images_per_second").GetDouble(), Is.Positive);
    }

    [Test]
    public void Eval_export_and_artifacts_write_snake_case_json()
    {
        string[] data = ["--set", "Data:Source=fashion-mnist-embedded", "--set", "Data:EmbeddedQueries=9000", "--set", "Knn:MaxQueries=500", "--threads", "1", "--json"];
        var (exit, output) = CliRunner.Run(["eval", "knn", "--checkpoint", _checkpoint, .. data]);
        Assert.That(exit, Is.Zero, output);
        AssertSnakeCase(output, "eval knn");

        (exit, output) = CliRunner.Run(["eval", "linear", "--checkpoint", _checkpoint, "--epochs", "1", .. data]);
        Assert.That(exit, Is.Zero, output);
        AssertSnakeCase(output, "eval linear");
        Assert.That(output, Does.Contain("warning: the probe makes only 3 SGD steps"), "1,000 images at batch 256 for one epoch");

        (exit, output) = CliRunner.Run("export", "--checkpoint", _checkpoint, "--out", Path.Combine(HostFixture.Root, "json-encoder.onnx"), "--json");
        Assert.That(exit, Is.Zero, output);
        Assert.That(AssertSnakeCase(output, "export").GetProperty("metadata").GetProperty("onnxmec.input_size").GetString(), Is.EqualTo("28"));

        string set = Path.Combine(HostFixture.Root, "json-set");
        (exit, output) = CliRunner.Run("artifacts", "build", "--model", "resnet18", "--width", "0.0625", "--image", "8", "--channels", "1", "--proj-dims", "8,8", "--pred-dim", "4", "--out", set, "--json");
        Assert.That(exit, Is.Zero, output);
        AssertSnakeCase(output, "artifacts build");
        Assert.That(output, Does.Contain("resnet18 with the cifar stem"), "says which stem it picked");
    }
}
