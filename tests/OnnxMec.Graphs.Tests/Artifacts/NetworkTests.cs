using OnnxMec.Contract;

namespace OnnxMec.Graphs.Tests.Artifacts;

public class NetworkTests
{
    private static (IReadOnlyList<ParameterSpec> Specs, Value Features) Backbone(string arch, string stem = "imagenet", double width = 1, int size = 224)
    {
        var g = new GraphBuilder("backbone");
        var config = new ArtifactConfig { Arch = arch, Stem = stem, Width = width, ImageSize = size };
        var w = new ModelWeights(g, BnMode.Train);
        var features = Backbones.All.Get(arch).Features(w, g.Input("images", DType.Float, SiameseNetworks.ImageShape(config)), config);
        return (w.Specs, features);
    }

    // torchvision's parameter counts less the 1000-class fc layer (weight 1000×F, bias 1000).
    [TestCase("resnet18", 60, 11_689_512 - 513_000, 20, 512)]
    [TestCase("resnet34", 108, 21_797_672 - 513_000, 36, 512)]
    [TestCase("resnet50", 159, 25_557_032 - 2_049_000, 53, 2048)]
    public void The_backbone_has_torchvisions_parameters(string arch, int tensors, long elements, int batchNorms, long features)
    {
        var (specs, output) = Backbone(arch);
        var parameters = specs.Where(s => s.Role == TensorRole.Param).ToList();
        Assert.That(parameters, Has.Count.EqualTo(tensors));
        Assert.That(parameters.Sum(s => s.ElementCount), Is.EqualTo(elements));
        Assert.That(specs.Count(s => s.Name.EndsWith(".running_mean", StringComparison.Ordinal)), Is.EqualTo(batchNorms));
        Assert.That(output.Shape, Is.EqualTo(new Shape(Dim.Sym("N"), features)));
    }

    [Test]
    public void Names_are_torchvisions_state_dict_keys_in_order()
    {
        var names = Backbone("resnet50").Specs.Select(s => s.Name).ToList();
        Assert.That(names.Take(6), Is.EqualTo(new[] { "conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var", "layer1.0.conv1.weight" }));
        Assert.That(names, Does.Contain("layer1.0.downsample.0.weight").And.Contain("layer4.2.bn3.running_var").And.Contain("layer2.0.downsample.1.bias"));
        Assert.That(Backbone("resnet18").Specs.Select(s => s.Name), Has.None.StartsWith("layer1.0.downsample"), "no downsample where the shape does not change");
    }

    [Test]
    public void The_cifar_stem_is_a_3x3_stride_1_conv_without_max_pool()
    {
        var (specs, _) = Backbone("resnet18", "cifar", 1, 32);
        Assert.That(specs[0].Shape, Is.EqualTo(new long[] { 64, 3, 3, 3 }));
        var (imagenet, _) = Backbone("resnet18", "imagenet", 1, 224);
        Assert.That(specs.Where(s => s.Role == TensorRole.Param).Sum(s => s.ElementCount),
            Is.EqualTo(imagenet.Where(s => s.Role == TensorRole.Param).Sum(s => s.ElementCount) - 64 * 3 * 7 * 7 + 64 * 3 * 3 * 3));
    }

    [Test]
    public void The_width_multiplier_scales_every_stage()
    {
        Assert.That(Backbone("resnet18", "cifar", 0.125, 28).Features.Shape[1], Is.EqualTo(Dim.Of(64)));
        Assert.That(ResNet.Widths(0.125), Is.EqualTo(new long[] { 8, 16, 32, 64 }));
    }

    [Test]
    public void Projector_and_predictor_are_named_and_shaped_as_the_reference()
    {
        var manifest = ArtifactSetBuilder.Build("resnet50", ArtifactPresets.All["resnet50"]).Manifest;
        var shapes = manifest.Tensors.ToDictionary(t => t.Name, t => t.Shape);
        Assert.That(shapes["fc.0.weight"], Is.EqualTo(new long[] { 2048, 2048 }));
        Assert.That(shapes["fc.6.weight"], Is.EqualTo(new long[] { 2048, 2048 }));
        Assert.That(shapes.ContainsKey("fc.7.running_var") && !shapes.ContainsKey("fc.7.weight"), Is.True, "the last BN has no affine");
        Assert.That(shapes.ContainsKey("fc.4.weight"), Is.True, "hidden BNs are affine");
        Assert.That(shapes["predictor.0.weight"], Is.EqualTo(new long[] { 512, 2048 }));
        Assert.That(shapes["predictor.3.weight"], Is.EqualTo(new long[] { 2048, 512 }));
        Assert.That(shapes["predictor.3.bias"], Is.EqualTo(new long[] { 2048 }));
        Assert.That(shapes.Keys, Has.None.StartWith("target.predictor"), "the target has no predictor");
    }

    [Test]
    public void Initial_weights_follow_torchvision_and_zero_init_residual()
    {
        var set = ArtifactSetBuilder.Build("tiny", TinySet.Config() with { ZeroInitResidual = true, Width = 1 });
        var state = InitialState.OnlineFromSeed(set.Manifest).ToDictionary(t => t.Name, t => t.AsFloat32());
        Assert.That(state["layer1.0.bn2.weight"], Is.All.EqualTo(0f), "last BN γ of a block starts at 0");
        Assert.That(state["layer1.0.bn1.weight"], Is.All.EqualTo(1f));
        Assert.That(state["layer1.0.bn1.bias"], Is.All.EqualTo(0f));
        var conv = state["layer3.0.conv2.weight"];   // [256, 256, 3, 3]: fan_out 2304
        double std = Math.Sqrt(conv.Select(v => (double)v * v).Average());
        Assert.That(std, Is.EqualTo(Math.Sqrt(2.0 / (256 * 9))).Within(0.02 * std));
        var linear = state["fc.0.weight"];          // fan_in 512: U(−1/√512, 1/√512)
        Assert.That(linear.Max(Math.Abs), Is.LessThanOrEqualTo(1 / Math.Sqrt(512)).And.GreaterThan(0.9 / Math.Sqrt(512)));
        var again = InitialState.OnlineFromSeed(set.Manifest).ToDictionary(t => t.Name, t => t.AsFloat32());
        Assert.That(again["layer3.0.conv2.weight"], Is.EqualTo(conv), "the seed fixes the weights");
    }
}
