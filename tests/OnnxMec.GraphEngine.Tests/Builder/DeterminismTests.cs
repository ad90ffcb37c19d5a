namespace OnnxMec.GraphEngine.Tests.Builder;

public class DeterminismTests
{
    private static byte[] Build(float scale)
    {
        var g = new GraphBuilder("det");
        var x = g.Input("x", DType.Float, new Shape(Dim.Sym("N"), 3, 8, 8));
        var w = g.Input("conv.weight", DType.Float, Shape.Of(4, 3, 3, 3));
        var gamma = g.Initializer("bn.weight", TensorData.Floats([1, scale, 1, 1], 4));
        Value y;
        using (g.Scope("block"))
        {
            var bn = BatchNormalization.Train(g, g.Conv(x, w, null, pad: 1), gamma, null,
                g.Constant(TensorData.Floats(new float[4], 4)), g.Constant(TensorData.Floats([1, 1, 1, 1], 4)));
            y = g.ReduceMean(g.Relu(bn.Y));
        }
        g.Output(y, "loss");
        foreach (var (v, i) in Autodiff.Gradients(y, [w, gamma]).Select((v, i) => (v, i))) g.Output(v, $"grad{i}");
        return ModelWriter.ToBytes(g);
    }

    [Test]
    public void The_same_graph_gives_byte_identical_files()
    {
        byte[] first = Build(1), second = Build(1), other = Build(2);
        Assert.That(second, Is.EqualTo(first));
        Assert.That(other, Is.Not.EqualTo(first));
    }

    [Test]
    public void The_written_model_loads_in_onnx_runtime_with_opset_18()
    {
        var model = Onnx.ModelProto.Parser.ParseFrom(Build(1));
        Assert.That(model.OpsetImport.Single().Version, Is.EqualTo(GraphBuilder.Opset));
        Assert.That(GraphBuilder.Opset, Is.GreaterThanOrEqualTo(18));
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(Build(1));
        Assert.That(session.OutputNames, Is.EquivalentTo(new[] { "loss", "grad0", "grad1" }));
    }
}
