using System.Text.Json;
using Microsoft.ML.OnnxRuntime;

namespace OnnxMec.Host.Tests;

public class EvalAndExportTests
{
    private static string _checkpoint = "";

    [OneTimeSetUp]
    public void TrainBriefly() => _checkpoint = Directory.GetFiles(Path.Combine(HostFixture.TrainedRun, "checkpoints"), "checkpoint-*.safetensors").Max()!;

    private static readonly string[] Data = ["--set", "Data:Source=fashion-mnist-embedded", "--set", "Data:EmbeddedQueries=9000"];

    [Test]
    public void Eval_knn_of_a_checkpoint_reports_top_1_and_top_5()
    {
        var (exit, output) = CliRunner.Run(["eval", "knn", "--checkpoint", _checkpoint, "--json", "--threads", "1", .. Data]);
        Assert.That(exit, Is.Zero, output);
        using var json = JsonDocument.Parse(CliRunner.LastLine(output));
        double top1 = json.RootElement.GetProperty("knn_top1").GetDouble(), top5 = json.RootElement.GetProperty("knn_top5").GetDouble();
        Assert.That(top1, Is.InRange(20, 100), "well above the 10 % of chance");
        Assert.That(top5, Is.GreaterThanOrEqualTo(top1));
        Assert.That(json.RootElement.GetProperty("queries").GetInt32(), Is.EqualTo(9000));
    }

    [Test]
    public void Eval_linear_trains_a_probe_with_our_graphs_and_reports_top_1_and_top_5()
    {
        var (exit, output) = CliRunner.Run(["eval", "linear", "--checkpoint", _checkpoint, "--epochs", "5", "--json", "--threads", "1", .. Data]);
        Assert.That(exit, Is.Zero, output);
        using var json = JsonDocument.Parse(CliRunner.LastLine(output));
        Assert.That(json.RootElement.GetProperty("top1").GetDouble(), Is.InRange(30, 100), "a linear probe beats chance by far");
        Assert.That(json.RootElement.GetProperty("top5").GetDouble(), Is.GreaterThanOrEqualTo(json.RootElement.GetProperty("top1").GetDouble()));
    }

    [Test]
    public void Export_writes_a_model_a_plain_session_runs_and_eval_knn_reads_it_back([Values] bool foldBatchNorm)
    {
        string model = Path.Combine(HostFixture.Root, $"encoder-{foldBatchNorm}.onnx");
        string[] args = ["export", "--checkpoint", _checkpoint, "--out", model, "--with-projector", "--json"];
        var (exit, output) = CliRunner.Run(foldBatchNorm ? [.. args, "--fold-bn"] : args);
        Assert.That(exit, Is.Zero, output);
        using (var session = new InferenceSession(model))
        {
            Assert.That(session.InputNames, Is.EqualTo(new[] { "images" }));
            Assert.That(session.OutputNames, Is.EqualTo(new[] { "features", "embedding" }));
            using var images = OrtValue.CreateTensorValueFromMemory(new float[3 * 28 * 28], [3, 1, 28, 28]);
            using var runOptions = new RunOptions();
            using var result = session.Run(runOptions, ["images"], [images], ["features", "embedding"]);
            Assert.That(result[0].GetTensorTypeAndShape().Shape, Is.EqualTo(new long[] { 3, 32 }));
            Assert.That(result[1].GetTensorTypeAndShape().Shape, Is.EqualTo(new long[] { 3, 32 }));
        }
        var (knnExit, knnOutput) = CliRunner.Run(["eval", "knn", "--encoder", model, "--json", "--threads", "1", .. Data]);
        var (ckptExit, ckptOutput) = CliRunner.Run(["eval", "knn", "--checkpoint", _checkpoint, "--json", "--threads", "1", .. Data]);
        Assert.That(knnExit + ckptExit, Is.Zero, knnOutput + ckptOutput);
        double fromModel = JsonDocument.Parse(CliRunner.LastLine(knnOutput)).RootElement.GetProperty("knn_top1").GetDouble();
        double fromCheckpoint = JsonDocument.Parse(CliRunner.LastLine(ckptOutput)).RootElement.GetProperty("knn_top1").GetDouble();
        Assert.That(fromModel, Is.EqualTo(fromCheckpoint).Within(0.2), "the exported encoder gives the checkpoint's features");
    }

    [Test]
    public void A_missing_checkpoint_is_reported_by_name()
    {
        var (exit, output) = CliRunner.Run("export", "--checkpoint", "/nonexistent/ck.safetensors", "--out", Path.Combine(HostFixture.Root, "x.onnx"));
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(output, Does.Contain("/nonexistent/ck.safetensors"));
    }
}
