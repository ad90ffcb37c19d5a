using Microsoft.ML.OnnxRuntime;

namespace OnnxMec.Runtime.Tests;

/// <summary>Every test runs with the state in pinned managed arrays and in ORT-allocated memory behind the copy graph (the CUDA code path).</summary>
[TestFixture(StateMemory.Managed)]
[TestFixture(StateMemory.Device)]
public class TrainingSessionTests(StateMemory memory)
{
    private string _folder = "";

    [SetUp]
    public void CreateSet() => _folder = Fixtures.TinySetFolder();

    [TearDown]
    public void RemoveSet() => Directory.Delete(_folder, recursive: true);

    private TrainingSession Open() => TrainingSession.Create(ArtifactSetFolder.Open(_folder), Fixtures.Cpu(memory: memory));

    [Test]
    public void Fused_steps_update_every_kind_of_state_and_report_finite_metrics()
    {
        using var session = Open();
        var before = session.GetState().ToDictionary(t => t.Name, t => t.AsFloat32());
        for (int step = 0; step < 3; step++)
        {
            var (v1, v2) = Fixtures.Views(step);
            var metrics = session.Step(v1, v2, Fixtures.Batch, Fixtures.Scalars);
            Assert.That(float.IsFinite(metrics.Loss) && float.IsFinite(metrics["coding_length"]) && metrics["spectral_norm"] is > 0 and < 1, Is.True, metrics.ToString());
        }
        var after = session.GetState().ToDictionary(t => t.Name, t => t.AsFloat32());
        foreach (var name in new[] { "conv1.weight", "target.conv1.weight", "momentum.conv1.weight", "bn1.running_mean", "target.bn1.running_var" })
            Assert.That(after[name], Is.Not.EqualTo(before[name]), name);
    }

    [Test]
    public void Train_optimizer_and_ema_steps_equal_the_fused_step()
    {
        using var fused = Open();
        using var split = Open();
        for (int step = 0; step < 2; step++)
        {
            var (v1, v2) = Fixtures.Views(step);
            var a = fused.Step(v1, v2, Fixtures.Batch, Fixtures.Scalars);
            var b = split.TrainStep(v1, v2, Fixtures.Batch, Fixtures.Scalars);
            split.OptimizerStep(Fixtures.Scalars);
            split.EmaStep(Fixtures.Scalars);
            Assert.That(b.Loss, Is.EqualTo(a.Loss).Within(1e-6), $"step {step}");
        }
        var x = fused.GetState();
        var y = split.GetState();
        for (int i = 0; i < x.Count; i++)
            Assert.That(y[i].AsFloat32(), Is.EqualTo(x[i].AsFloat32()).Within(1e-5), x[i].Name);
    }

    [Test]
    public void Eval_returns_features_and_embeddings_per_image()
    {
        using var session = Open();
        var outputs = session.Eval(Fixtures.Images(5, 3), 3);
        Assert.That(outputs.FeatureDim, Is.EqualTo(32));
        Assert.That(outputs.EmbeddingDim, Is.EqualTo(16));
        Assert.That(outputs.Features, Has.Length.EqualTo(3 * 32));
    }

    [Test]
    public void Exported_encoder_runs_in_a_plain_session_and_matches_the_eval_graph([Values] bool foldBatchNorm)
    {
        using var session = Open();
        for (int step = 0; step < 3; step++)
        {
            var (v1, v2) = Fixtures.Views(step);
            session.Step(v1, v2, Fixtures.Batch, Fixtures.Scalars);  // non-trivial BN statistics
        }
        string path = Path.Combine(_folder, "encoder.onnx");
        session.ExportModelForInferencing(path, withProjector: true, foldBatchNorm);
        var images = Fixtures.Images(9, 5);
        var expected = session.Eval(images, 5);

        using var plain = new InferenceSession(path);
        Assert.That(plain.InputNames, Is.EqualTo(new[] { "images" }));
        Assert.That(plain.InputMetadata["images"].Dimensions[0], Is.EqualTo(-1), "dynamic batch");
        using var input = OrtValue.CreateTensorValueFromMemory(images, [5, 1, 8, 8]);
        using var runOptions = new RunOptions();
        using var outputs = plain.Run(runOptions, ["images"], [input], ["features", "embedding"]);
        // ORT folds the initializer arithmetic in its own order, so even unfolded the floats may differ in the last bits.
        double tolerance = foldBatchNorm ? 1e-4 : 1e-5;
        Assert.That(outputs[0].GetTensorDataAsSpan<float>().ToArray(), Is.EqualTo(expected.Features).Within(tolerance));
        Assert.That(outputs[1].GetTensorDataAsSpan<float>().ToArray(), Is.EqualTo(expected.Embeddings).Within(tolerance));
    }

    [Test]
    public void A_run_can_start_from_imported_torchvision_named_weights()
    {
        var set = ArtifactSetFolder.Open(_folder);
        var weights = set.InitialOnlineWeights().Select(t => t.Name == "conv1.weight" ? NamedTensor.Float32(t.Name, t.Shape, Enumerable.Repeat(0.5f, (int)t.ElementCount).ToArray()) : t).ToList();
        string file = Path.Combine(_folder, "imported.safetensors");
        SafeTensors.Write(file, weights);
        using var session = TrainingSession.Create(set, Fixtures.Cpu(memory: memory), SafeTensors.Read(file).Tensors, file);
        var state = session.GetState().ToDictionary(t => t.Name, t => t.AsFloat32());
        Assert.That(state["conv1.weight"], Is.All.EqualTo(0.5f));
        Assert.That(state["target.conv1.weight"], Is.All.EqualTo(0.5f), "the target starts as a copy");
    }
}
