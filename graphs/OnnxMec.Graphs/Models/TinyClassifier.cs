using OnnxMec.Formats;

namespace OnnxMec.Graphs;

/// <summary>
/// A small supervised CNN and its one-graph SGD training step: stem conv-BN-ReLU-max-pool, one
/// residual conv-BN block, global pool, linear, cross-entropy. It exercises every autodiff rule a
/// ResNet needs, and is what <c>onnxmec quickstart</c> trains until the MEC quickstart replaces it.
/// </summary>
public static class TinyClassifier
{
    public static IReadOnlyList<ParameterSpec> Parameters(int channels, int width, int classes) =>
    [
        new("conv1.weight", [width, channels, 3, 3], TensorRole.Param, TensorInit.KaimingNormalFanOut),
        new("bn1.weight", [width], TensorRole.Param, TensorInit.Ones),
        new("bn1.bias", [width], TensorRole.Param, TensorInit.Zeros),
        new("layer1.0.conv1.weight", [width, width, 3, 3], TensorRole.Param, TensorInit.KaimingNormalFanOut),
        new("layer1.0.bn1.weight", [width], TensorRole.Param, TensorInit.Ones),
        new("layer1.0.bn1.bias", [width], TensorRole.Param, TensorInit.Zeros),
        new("fc.weight", [classes, width], TensorRole.Param, TensorInit.UniformFanIn, width),
        new("fc.bias", [classes], TensorRole.Param, TensorInit.UniformFanIn, width),
        new("bn1.running_mean", [width], TensorRole.BnStat, TensorInit.Zeros),
        new("bn1.running_var", [width], TensorRole.BnStat, TensorInit.Ones),
        new("layer1.0.bn1.running_mean", [width], TensorRole.BnStat, TensorInit.Zeros),
        new("layer1.0.bn1.running_var", [width], TensorRole.BnStat, TensorInit.Ones),
    ];

    /// <summary>
    /// Inputs: "images" [N, C, S, S], "labels" [N], "lr" (scalar), then every tensor of
    /// <see cref="Parameters"/>. Outputs: "loss", then "new.&lt;name&gt;" for every tensor, in the same
    /// order: parameters after one SGD step (p ← p − lr·∂L/∂p), buffers after the BN update.
    /// </summary>
    public static GraphBuilder TrainingStep(int channels, int size, int width, int classes)
    {
        var g = new GraphBuilder("tiny_classifier_train_step");
        var n = Dim.Sym("N");
        var images = g.Input("images", DType.Float, new Shape(n, channels, size, size));
        var labels = g.Input("labels", DType.Int64, new Shape(n));
        var lr = g.Input("lr", DType.Float, Shape.Scalar);
        var specs = Parameters(channels, width, classes);
        var p = specs.ToDictionary(s => s.Name, s => g.Input(s.Name, DType.Float, Shape.Of(s.Shape)));

        Value h;
        BatchNorm.TrainResult stemBn, blockBn;
        using (g.Scope("conv1")) h = g.Conv(images, p["conv1.weight"], null, pad: 1);
        using (g.Scope("bn1")) stemBn = BatchNorm.Train(g, h, p["bn1.weight"], p["bn1.bias"], p["bn1.running_mean"], p["bn1.running_var"]);
        var pooled = g.MaxPool(g.Relu(stemBn.Y), Window2d.Of(3, 2, 1), "maxpool").Y;
        using (g.Scope("layer1.0"))
        {
            using (g.Scope("conv1")) h = g.Conv(pooled, p["layer1.0.conv1.weight"], null, pad: 1);
            using (g.Scope("bn1")) blockBn = BatchNorm.Train(g, h, p["layer1.0.bn1.weight"], p["layer1.0.bn1.bias"], p["layer1.0.bn1.running_mean"], p["layer1.0.bn1.running_var"]);
            h = g.Relu(g.Add(blockBn.Y, pooled, "residual"));
        }
        var features = g.Flatten(g.GlobalAveragePool(h, "avgpool"));
        Value loss;
        using (g.Scope("fc")) loss = g.SoftmaxCrossEntropy(g.Gemm(features, p["fc.weight"], p["fc.bias"], transB: true), labels);
        g.Output(loss, "loss");

        var trainable = specs.Where(s => s.Role == TensorRole.Param).Select(s => p[s.Name]).ToArray();
        var grads = Autodiff.Gradients(loss, trainable);
        var updated = new Dictionary<string, Value>();
        using (g.Scope("sgd"))
            for (int i = 0; i < trainable.Length; i++)
                updated[trainable[i].Name] = g.Sub(trainable[i], g.Mul(grads[i], lr));
        updated["bn1.running_mean"] = stemBn.RunningMean;
        updated["bn1.running_var"] = stemBn.RunningVar;
        updated["layer1.0.bn1.running_mean"] = blockBn.RunningMean;
        updated["layer1.0.bn1.running_var"] = blockBn.RunningVar;
        foreach (var s in specs) g.Output(updated[s.Name], "new." + s.Name);
        return g;
    }
}
