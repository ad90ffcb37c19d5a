using System.Text.Json;
using OnnxMec.Contract;

namespace OnnxMec.Host.Tests;

public class ArtifactsCommandTests
{
    [Test]
    public void Artifacts_build_writes_every_graph_and_a_manifest_for_a_custom_config()
    {
        string folder = Directory.CreateTempSubdirectory("onnxmec-artifacts-").FullName;
        try
        {
            var (exit, output) = CliRunner.Run("artifacts", "build", "--model", "resnet18", "--width", "0.0625", "--image", "8", "--channels", "1",
                "--stem", "cifar", "--proj-dims", "16,16", "--pred-dim", "8", "--order", "3", "--form", "feature", "--optimizer", "lars", "--out", folder, "--json");
            Assert.That(exit, Is.Zero, output);
            var manifest = Manifest.Load(Path.Combine(folder, Manifest.FileName));
            Assert.That(manifest.Config.Order, Is.EqualTo(3));
            Assert.That(manifest.Config.Form, Is.EqualTo("feature"));
            Assert.That(manifest.Config.Optimizer, Is.EqualTo("lars"));
            Assert.That(manifest.Name, Does.StartWith("resnet18-cifar-w0.0625-s8-c1"));
            foreach (var graph in manifest.Graphs.Values) Assert.That(File.Exists(Path.Combine(folder, graph.File)), graph.File);
            Assert.That(File.Exists(Path.Combine(folder, manifest.Weights.File!)), Is.True, "a small set carries its initial weights");
            using var json = JsonDocument.Parse(CliRunner.LastLine(output));
            Assert.That(json.RootElement.GetProperty("parameters").GetInt64(), Is.Positive);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public void An_invalid_config_is_refused_listing_every_bad_field()
    {
        var (exit, output) = CliRunner.Run("artifacts", "build", "--model", "resnet18", "--order", "9", "--form", "diagonal", "--out", Path.GetTempPath());
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(output, Does.Contain("order: 9").And.Contain("form: 'diagonal'"));
    }
}
