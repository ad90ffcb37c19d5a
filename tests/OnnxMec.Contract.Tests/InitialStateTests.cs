namespace OnnxMec.Contract.Tests;

public class InitialStateTests
{
    private static Manifest Sample() => new("sample", "1", new ArtifactConfig(),
        [
            new ManifestTensor("conv.weight", Roles.Param, "float32", [4, 2, 3, 3], TensorInit.KaimingNormalFanOut),
            new ManifestTensor("bn.running_var", Roles.BnStat, "float32", [4], TensorInit.Ones),
            new ManifestTensor("target.conv.weight", Roles.TargetParam, "float32", [4, 2, 3, 3], TensorInit.Copy, CopyOf: "conv.weight"),
            new ManifestTensor("momentum.conv.weight", Roles.Momentum, "float32", [4, 2, 3, 3], TensorInit.Zeros),
        ],
        new Dictionary<string, ManifestGraph>(), new ManifestWeights(null, 7));

    [Test]
    public void The_target_starts_as_a_copy_and_momenta_at_zero()
    {
        var manifest = Sample();
        var state = InitialState.Complete(manifest, InitialState.OnlineFromSeed(manifest), "seed").ToDictionary(t => t.Name, t => t.AsFloat32());
        Assert.That(state["target.conv.weight"], Is.EqualTo(state["conv.weight"]));
        Assert.That(state["momentum.conv.weight"], Is.All.EqualTo(0f));
        Assert.That(state["bn.running_var"], Is.All.EqualTo(1f));
    }

    [Test]
    public void Given_weights_that_do_not_fit_are_reported_all_at_once_by_name()
    {
        var wrong = new[] { NamedTensor.Float32("conv.weight", [4, 2, 1, 1], new float[8]) };
        var e = Assert.Throws<InvalidDataException>(() => InitialState.Complete(Sample(), wrong, "import.safetensors"))!;
        Assert.That(e.Message, Does.Contain("import.safetensors").And.Contain("'conv.weight' has shape [4,2,1,1], expected [4,2,3,3]")
            .And.Contain("'bn.running_var' is missing"));
    }
}
