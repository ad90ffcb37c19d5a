using Microsoft.Extensions.Logging;

namespace OnnxMec.Runtime.Tests;

public class BadInputTests
{
    private string _folder = "";

    [SetUp]
    public void CreateSet() => _folder = Fixtures.TinySetFolder();

    [TearDown]
    public void RemoveSet() => Directory.Delete(_folder, recursive: true);

    [Test]
    public void A_missing_artifact_folder_says_how_to_build_one()
    {
        var e = Assert.Throws<InvalidDataException>(() => ArtifactSetFolder.Open("/nonexistent/set"))!;
        Assert.That(e.Message, Does.Contain("/nonexistent/set").And.Contain("artifacts build"));
    }

    [Test]
    public void A_folder_without_a_manifest_is_refused_by_name()
    {
        File.Delete(Path.Combine(_folder, Manifest.FileName));
        Assert.That(() => ArtifactSetFolder.Open(_folder), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("manifest.json"));
    }

    [Test]
    public void A_changed_or_missing_graph_does_not_match_the_manifest()
    {
        File.AppendAllText(Path.Combine(_folder, "train_step.onnx"), "x");
        File.Delete(Path.Combine(_folder, "ema_model.onnx"));
        var e = Assert.Throws<InvalidDataException>(() => ArtifactSetFolder.Open(_folder))!;
        Assert.That(e.Message, Does.Contain("train_step.onnx: SHA-256").And.Contain("ema_model.onnx: missing"));
    }

    [Test]
    public void A_manifest_whose_inputs_differ_from_the_graph_is_reported_by_input_name()
    {
        string path = Path.Combine(_folder, Manifest.FileName);
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"lambda_inv\"", "\"lambda_inverse\""));
        using var session = TrainingSession.Create(ArtifactSetFolder.Open(_folder), Fixtures.Cpu());
        var (v1, v2) = Fixtures.Views(0);
        var e = Assert.Throws<InvalidDataException>(() => session.Step(v1, v2, Fixtures.Batch, Fixtures.Scalars))!;
        Assert.That(e.Message, Does.Contain("train_step.onnx").And.Contain("'lambda_inverse' is in the manifest but not in the graph").And.Contain("'lambda_inv' is in the graph but not in the manifest"));
    }

    [Test]
    public void A_checkpoint_with_wrong_shapes_and_dtypes_lists_every_mismatch()
    {
        using var session = TrainingSession.Create(ArtifactSetFolder.Open(_folder), Fixtures.Cpu());
        var state = session.GetState().ToList();
        state[0] = NamedTensor.Float32(state[0].Name, [1, 2], [1, 2]);
        state[1] = NamedTensor.Int64(state[1].Name, state[1].Shape, new long[state[1].ElementCount]);
        state.RemoveAt(5);
        var e = Assert.Throws<InvalidDataException>(() => session.SetState(state, "ckpt.safetensors"))!;
        Assert.That(e.Message, Does.Contain("ckpt.safetensors").And.Contain("'conv1.weight' has shape [1,2]").And.Contain("'bn1.weight' is I64, expected F32").And.Contain("is missing"));
    }

    [Test]
    public void A_view_batch_of_the_wrong_size_is_refused()
    {
        using var session = TrainingSession.Create(ArtifactSetFolder.Open(_folder), Fixtures.Cpu());
        Assert.That(() => session.Step(new float[10], new float[10], Fixtures.Batch, Fixtures.Scalars),
            Throws.ArgumentException.With.Message.Contains("[8,1,8,8]"));
    }

    [Test]
    public void A_nan_loss_stops_the_run_naming_the_step_and_the_metric()
    {
        var guard = new DivergenceGuard(Reported);
        var (verdict, message) = guard.Check(41, Metrics(float.NaN, 1, 0.5f, 0.2f));
        Assert.That(verdict, Is.EqualTo(GuardVerdict.Stop));
        Assert.That(message, Does.Contain("step 41").And.Contain("loss is NaN"));
        Assert.That(guard.Check(42, Metrics(-1, float.PositiveInfinity, 0.5f, 0.2f)).Message, Does.Contain("coding_length"));
    }

    [Test]
    public void A_spectral_norm_reaching_1_warns_once_or_stops_when_configured()
    {
        var warn = new DivergenceGuard(Reported);
        Assert.That(warn.Check(1, Metrics(-1, 1, 0.5f, 0.5f)).Verdict, Is.EqualTo(GuardVerdict.Continue));
        Assert.That(warn.Check(2, Metrics(-1, 1, 0.5f, 1.2f)).Verdict, Is.EqualTo(GuardVerdict.Warn));
        Assert.That(warn.Check(3, Metrics(-1, 1, 0.5f, 1.3f)).Verdict, Is.EqualTo(GuardVerdict.Continue), "warned once");
        var stop = new DivergenceGuard(Reported, stopOnLimit: true);
        var (verdict, message) = stop.Check(7, Metrics(-1, 1, 0.5f, 1.0f));
        Assert.That(verdict, Is.EqualTo(GuardVerdict.Stop));
        Assert.That(message, Does.Contain("step 7").And.Contain("no longer converges"));
    }

    [Test]
    public void Cuda_on_the_cpu_build_fails_with_what_to_install()
    {
        var e = Assert.Throws<DeviceUnavailableException>(() => new SessionFactory(new RuntimeOptions { Device = DeviceKind.Cuda }))!;
        Assert.That(e.Message, Does.Contain("OrtFlavor=Gpu").And.Contain("libcublas.so.13").And.Contain("cuDNN 9"));
    }

    [Test]
    public void Auto_falls_back_to_the_cpu_with_a_warning()
    {
        var logger = new ListLogger();
        var factory = new SessionFactory(new RuntimeOptions { Device = DeviceKind.Auto }, logger);
        Assert.That(factory.Device, Is.EqualTo(DeviceKind.Cpu));
        Assert.That(logger.Messages, Has.Some.Contains("running on the CPU"));
    }

    /// <summary>The loss and metrics the tiny set's fused step reports, with the limits its manifest declares.</summary>
    private static IEnumerable<ManifestValue> Reported => Fixtures.TinyManifest.Graphs[ArtifactNames.TrainStep].Outputs.Where(o => Roles.IsReported(o.Role));

    private static StepMetrics Metrics(float loss, float codingLength, float positiveCosine, float spectralNorm) => new(ArtifactNames.Loss,
        new Dictionary<string, float> { ["loss"] = loss, ["coding_length"] = codingLength, ["positive_cosine"] = positiveCosine, ["spectral_norm"] = spectralNorm });

    private sealed class ListLogger : ILogger
    {
        public List<string> Messages { get; } = [];
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Messages.Add(formatter(state, exception));
    }
}
