namespace OnnxMec.GraphEngine.Tests.Builder;

public class ShapeInferenceTests
{
    private static readonly Dim N = Dim.Sym("N");

    [Test]
    public void A_broadcast_misfit_names_the_node_and_both_shapes()
    {
        var g = new GraphBuilder("t");
        var a = g.Input("a", DType.Float, new Shape(N, 64, 8, 8));
        var b = g.Input("b", DType.Float, new Shape(N, 32, 8, 8));
        using var _ = g.Scope("layer1.0");
        var e = Assert.Throws<GraphBuildException>(() => g.Add(a, b, "residual"))!;
        Assert.That(e.Message, Does.Contain("Add 'layer1.0.residual'").And.Contain("[N,64,8,8]").And.Contain("[N,32,8,8]"));
    }

    [Test]
    public void A_matmul_with_unequal_inner_dimensions_names_both_shapes()
    {
        var g = new GraphBuilder("t");
        var e = Assert.Throws<GraphBuildException>(() => g.MatMul(g.Input("a", DType.Float, Shape.Of(3, 4)), g.Input("b", DType.Float, Shape.Of(5, 6))))!;
        Assert.That(e.Message, Does.Contain("MatMul 'matmul'").And.Contain("[3,4]").And.Contain("[5,6]"));
    }

    [Test]
    public void A_conv_whose_weight_expects_other_channels_is_refused()
    {
        var g = new GraphBuilder("t");
        var x = g.Input("x", DType.Float, new Shape(N, 3, 32, 32));
        var w = g.Input("conv1.weight", DType.Float, Shape.Of(64, 1, 3, 3));
        var e = Assert.Throws<GraphBuildException>(() => g.Conv(x, w, null, pad: 1))!;
        Assert.That(e.Message, Does.Contain("Conv").And.Contain("[N,3,32,32]").And.Contain("[64,1,3,3]"));
    }

    [Test]
    public void A_reshape_that_changes_the_element_count_is_refused()
    {
        var g = new GraphBuilder("t");
        Assert.Throws<GraphBuildException>(() => g.Reshape(g.Input("x", DType.Float, Shape.Of(2, 3)), Shape.Of(4, 2)));
    }

    [Test]
    public void Mixed_element_types_are_refused()
    {
        var g = new GraphBuilder("t");
        var e = Assert.Throws<GraphBuildException>(() => g.Mul(g.Input("x", DType.Float, Shape.Of(2)), g.Input("y", DType.Double, Shape.Of(2))))!;
        Assert.That(e.Message, Does.Contain("float32").And.Contain("float64"));
    }

    [Test]
    public void Conv_and_pool_shapes_follow_the_onnx_formulas_with_a_symbolic_batch()
    {
        var g = new GraphBuilder("t");
        var x = g.Input("x", DType.Float, new Shape(N, 3, 224, 224));
        var stem = g.Conv(x, g.Input("w", DType.Float, Shape.Of(64, 3, 7, 7)), null, stride: 2, pad: 3);
        var pooled = g.MaxPool(stem, Window2d.Of(3, 2, 1)).Y;
        Assert.That(stem.Shape, Is.EqualTo(new Shape(N, 64, 112, 112)));
        Assert.That(pooled.Shape, Is.EqualTo(new Shape(N, 64, 56, 56)));
        Assert.That(g.Flatten(g.GlobalAveragePool(pooled)).Shape, Is.EqualTo(new Shape(N, 64)));
        Assert.That(g.Flatten(pooled).Shape, Is.EqualTo(new Shape(N, 64 * 56 * 56)));
        Assert.That(g.Reshape(pooled, new Shape(Dim.Product([N, 64]), 56 * 56)).Shape[0].Symbol, Is.EqualTo("N*64"));
    }

    [Test]
    public void Slice_shapes_follow_onnx_clamping()
    {
        var g = new GraphBuilder("t");
        var x = g.Input("x", DType.Float, Shape.Of(10, 7));
        Assert.That(g.Slice(x, [-3, 1], [100, 7], [0, 1], [1, 2]).Shape, Is.EqualTo(Shape.Of(3, 3)));
        Assert.That(g.Slice(x, [-1], [long.MinValue], [0], [-4]).Shape, Is.EqualTo(Shape.Of(3, 7)));
    }

    [Test]
    public void Scopes_name_values_like_torchvision_modules_and_keep_names_unique()
    {
        var g = new GraphBuilder("t");
        var x = g.Input("x", DType.Float, Shape.Of(2, 2));
        Value a, b, c;
        using (g.Scope("layer1"))
        using (g.Scope("0"))
        using (g.Scope("conv1"))
        {
            a = g.Relu(x);
            b = g.Relu(x);
        }
        c = g.Relu(x);
        Assert.That(a.Name, Is.EqualTo("layer1.0.conv1.relu"));
        Assert.That(b.Name, Is.EqualTo("layer1.0.conv1.relu_1"));
        Assert.That(c.Name, Is.EqualTo("relu"));
        Assert.Throws<GraphBuildException>(() => g.Input("x", DType.Float, Shape.Of(1)));
    }
}
