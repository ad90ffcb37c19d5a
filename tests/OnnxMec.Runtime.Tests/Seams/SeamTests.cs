using OnnxMec.Graphs;

namespace OnnxMec.Runtime.Tests.Seams;

public class SeamTests
{
    [OneTimeSetUp]
    public void Register()
    {
        if (Backbones.All.Find("toy") is null) Backbones.All.Register("toy", new ToyBackbone());
        if (Losses.All.Find("toy") is null) Losses.All.Register("toy", new ToyLoss());
    }

    [Test]
    public void A_toy_backbone_and_a_toy_loss_registered_from_outside_build_a_set_that_trains_a_step()
    {
        var config = Fixtures.TinyConfig with { Arch = "toy", Loss = "toy", Width = 2 };
        string folder = Directory.CreateTempSubdirectory("onnxmec-toy-").FullName;
        try
        {
            ArtifactSetBuilder.Build("toy", config).WriteTo(folder);
            var set = ArtifactSetFolder.Open(folder);
            Assert.That(set.Manifest.Tensors.Select(t => t.Name), Does.Contain("stem.weight").And.Contain("stem_bn.running_var"));
            Assert.That(set.Manifest.Graphs[ArtifactNames.TrainStep].Inputs.Single(i => i.Name == ToyLoss.ScaleScalar).Role, Is.EqualTo("scalar:toy_scale"));

            using var session = TrainingSession.Create(set, Fixtures.Cpu());
            var toy = new ToyLoss();
            var scalars = new Dictionary<string, float>
            {
                [ArtifactNames.Lr] = 0.1f, [ArtifactNames.EmaMomentum] = 0.99f,
                [ToyLoss.ScaleScalar] = (float)toy.ScalarValue(ToyLoss.ScaleScalar, new ScheduleContext(0, 0, 0, 1, Fixtures.Batch, toy.DefaultSettings)),
            };
            var before = session.GetState().Single(t => t.Name == "stem.weight").AsFloat32();
            var (v1, v2) = Fixtures.Views(0);
            var metrics = session.Step(v1, v2, Fixtures.Batch, scalars);

            Assert.That(metrics.Values.Keys, Is.EquivalentTo(new[] { ArtifactNames.Loss, ToyLoss.Cosine }));
            Assert.That(metrics.Loss, Is.EqualTo(-2 * metrics[ToyLoss.Cosine]).Within(1e-5), "the scalar reached the graph: loss = −scale · cosine");
            Assert.That(session.GetState().Single(t => t.Name == "stem.weight").AsFloat32(), Is.Not.EqualTo(before), "the step updated the toy backbone");
            var guard = new DivergenceGuard(set.Manifest.Graphs[ArtifactNames.TrainStep].Outputs.Where(o => Roles.IsReported(o.Role)), stopOnLimit: true);
            Assert.That(guard.Check(1, new StepMetrics(ArtifactNames.Loss, new Dictionary<string, float> { ["loss"] = -2, [ToyLoss.Cosine] = 1 })).Message,
                Does.Contain("toy_cosine").And.Contain("the toy has collapsed"), "the metric's limit came from the manifest");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
