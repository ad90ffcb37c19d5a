using Microsoft.ML.OnnxRuntime;
using OnnxMec.Contract;
using OnnxMec.GraphEngine;
using OnnxMec.Graphs;
using OnnxMec.Runtime;

namespace OnnxMec.Host.Evaluation;

public sealed record LinearProbeResult(double Top1, double Top5, int Epochs, float FinalLoss);

/// <summary>
/// The linear probe of the reference: frozen features → BatchNorm1d(affine=False, ε = 1e-6) →
/// Linear, trained by SGD (momentum 0.9, no weight decay, cosine learning rate) through a training
/// graph built with our own autodiff; evaluated with the BN's running statistics.
/// </summary>
internal static class LinearProbe
{
    private const double Eps = 1e-6;

    public static LinearProbeResult Run(float[] trainFeatures, int[] trainLabels, float[] testFeatures, int[] testLabels, int dim, int classes,
        int epochs, double lr, int batch, int seed, SessionFactory factory)
    {
        using var train = factory.Open(ModelWriter.ToBytes(TrainingGraph(dim, classes)), "the linear probe's training graph");
        using var eval = factory.Open(ModelWriter.ToBytes(EvalGraph(dim, classes)), "the linear probe's eval graph");
        // Every RunOptions is disposed: one left to the finalizer can crash ORT while another session runs.
        using var runOptions = new RunOptions();

        // nn.Linear's weight drawn N(0, 0.01) as the reference initialises fc; bias 0.
        var rng = new Random(seed);
        var state = new Dictionary<string, float[]>
        {
            ["fc.weight"] = Enumerable.Range(0, classes * dim).Select(_ => (float)(0.01 * rng.NextGaussian())).ToArray(),
            ["fc.bias"] = new float[classes],
            ["momentum.fc.weight"] = new float[classes * dim],
            ["momentum.fc.bias"] = new float[classes],
            ["bn.running_mean"] = new float[dim],
            ["bn.running_var"] = Enumerable.Repeat(1f, dim).ToArray(),
        };
        var shapes = new Dictionary<string, long[]>
        {
            ["fc.weight"] = [classes, dim], ["fc.bias"] = [classes], ["momentum.fc.weight"] = [classes, dim], ["momentum.fc.bias"] = [classes],
            ["bn.running_mean"] = [dim], ["bn.running_var"] = [dim],
        };
        int n = trainLabels.Length, steps = Math.Max(1, n / batch);
        var x = new float[batch * dim];
        var y = new long[batch];
        float loss = float.NaN;
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            var order = Enumerable.Range(0, n).OrderBy(_ => rng.Next()).ToArray();
            for (int s = 0; s < steps; s++)
            {
                for (int i = 0; i < batch; i++)
                {
                    int r = order[s * batch + i];
                    trainFeatures.AsSpan(r * dim, dim).CopyTo(x.AsSpan(i * dim));
                    y[i] = trainLabels[r];
                }
                double progress = (epoch + (double)s / steps) / epochs;
                float stepLr = (float)(lr * 0.5 * (1 + Math.Cos(Math.PI * progress)));
                var values = new List<OrtValue>
                {
                    OrtValue.CreateTensorValueFromMemory(x, [batch, dim]),
                    OrtValue.CreateTensorValueFromMemory(y, [batch]),
                    OrtValue.CreateTensorValueFromMemory(new[] { stepLr }, []),
                };
                var names = new List<string> { "features", "labels", "lr" };
                foreach (var (name, data) in state)
                {
                    names.Add(name);
                    values.Add(OrtValue.CreateTensorValueFromMemory(data, shapes[name]));
                }
                var outputs = new[] { "loss" }.Concat(state.Keys.Select(k => "new." + k)).ToArray();
                using (var result = train.Run(runOptions, names, values, outputs))
                {
                    loss = result[0].GetTensorDataAsSpan<float>()[0];
                    int o = 1;
                    foreach (var key in state.Keys.ToList()) state[key] = result[o++].GetTensorDataAsSpan<float>().ToArray();
                }
                foreach (var v in values) v.Dispose();
            }
        }

        int correct1 = 0, correct5 = 0, m = testLabels.Length;
        using var features = OrtValue.CreateTensorValueFromMemory(testFeatures, [m, dim]);
        var evalNames = new List<string> { "features" };
        var evalValues = new List<OrtValue> { features };
        foreach (var key in new[] { "fc.weight", "fc.bias", "bn.running_mean", "bn.running_var" })
        {
            evalNames.Add(key);
            evalValues.Add(OrtValue.CreateTensorValueFromMemory(state[key], shapes[key]));
        }
        using (var scores = eval.Run(runOptions, evalNames, evalValues, ["scores"]))
        {
            var s = scores[0].GetTensorDataAsSpan<float>();
            for (int i = 0; i < m; i++)
            {
                int rank = Ranking.RankOf(s.Slice(i * classes, classes), testLabels[i]);
                if (rank == 0) correct1++;
                if (rank < 5) correct5++;
            }
        }
        foreach (var v in evalValues.Skip(1)) v.Dispose();
        return new LinearProbeResult(100.0 * correct1 / m, 100.0 * correct5 / m, epochs, loss);
    }

    private static (Value W, Value B, Value Mean, Value Var) Parameters(GraphBuilder g, int dim, int classes) =>
        (g.Input("fc.weight", DType.Float, Shape.Of(classes, dim)), g.Input("fc.bias", DType.Float, Shape.Of(classes)),
         g.Input("bn.running_mean", DType.Float, Shape.Of(dim)), g.Input("bn.running_var", DType.Float, Shape.Of(dim)));

    private static GraphBuilder TrainingGraph(int dim, int classes)
    {
        var g = new GraphBuilder("linear_probe_train");
        var n = Dim.Sym("N");
        var x = g.Input("features", DType.Float, new Shape(n, dim));
        var labels = g.Input("labels", DType.Int64, new Shape(n));
        var lr = g.Input("lr", DType.Float, Shape.Scalar);
        var (w, b, mean, variance) = Parameters(g, dim, classes);
        var mw = g.Input("momentum.fc.weight", DType.Float, Shape.Of(classes, dim));
        var mb = g.Input("momentum.fc.bias", DType.Float, Shape.Of(classes));
        var bn = BatchNormalization.Train(g, x, null, null, mean, variance, Eps);
        var loss = g.SoftmaxCrossEntropy(g.Gemm(bn.Y, w, b, transB: true), labels);
        var grads = Autodiff.Gradients(loss, [w, b]);
        var (nw, nmw) = Sgd.Step(g, w, grads[0], mw, lr, 0.9, 0, false);
        var (nb, nmb) = Sgd.Step(g, b, grads[1], mb, lr, 0.9, 0, false);
        g.Output(loss, "loss");
        g.Output(nw, "new.fc.weight");
        g.Output(nb, "new.fc.bias");
        g.Output(nmw, "new.momentum.fc.weight");
        g.Output(nmb, "new.momentum.fc.bias");
        g.Output(bn.RunningMean, "new.bn.running_mean");
        g.Output(bn.RunningVar, "new.bn.running_var");
        return g;
    }

    private static GraphBuilder EvalGraph(int dim, int classes)
    {
        var g = new GraphBuilder("linear_probe_eval");
        var x = g.Input("features", DType.Float, new Shape(Dim.Sym("N"), dim));
        var (w, b, mean, variance) = Parameters(g, dim, classes);
        g.Output(g.Gemm(BatchNormalization.Eval(g, x, null, null, mean, variance, Eps), w, b, transB: true), "scores");
        return g;
    }
}
