using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using OnnxMec.Contract;
using OnnxMec.GraphEngine;
using OnnxMec.Graphs;
using OnnxMec.Runtime;

namespace OnnxMec.Host.Bench;

internal sealed record LossBenchmarkOptions(int Dim = 2048, int[]? Batches = null, int[]? Orders = null, double EpsD2 = 1.0 / 32, int Repeats = 5, int Threads = 0, int Seed = 0)
{
    public int[] BatchSizes => Batches ?? [256, 512, 1024, 2048];
    public int[] TaylorOrders => Orders ?? [1, 2, 4];
}

/// <summary>One method at one batch size: median milliseconds (forward, forward + backward) and relative error against the float64 log-det.</summary>
internal sealed record LossBenchmarkRow(int Batch, string Method, double ForwardMs, double? ForwardBackwardMs, double RelativeError, double SpectralNorm);

/// <summary>
/// The paper's Figure 3/6 comparison: T(p, z) = tr Σ (−1)^{k+1} C^k / k through ORT at several
/// orders against the exact log det(I + C), C = λ p zᵀ, for L2-normalised rows with z a noisy copy
/// of p (positive-pair cosine ≈ 0.71), λ = 1/(m·ε_d²). Every timing from order 2 up includes the
/// m×d×m product C; order 1 needs none (tr C = λ Σ p ⊙ z).
/// The exact value is timed two ways: ORT's Det (float32) and our C# float64 LU with partial pivoting,
/// which is also the reference for the relative errors.
/// </summary>
internal static class LossBenchmark
{
    /// <summary>The rows, as measured, with ORT's sessions opened by <paramref name="factory"/> (its device and threads).</summary>
    public static IEnumerable<LossBenchmarkRow> Run(LossBenchmarkOptions o, SessionFactory factory)
    {
        foreach (int m in o.BatchSizes)
        {
            var (p, z) = Embeddings(m, o.Dim, o.Seed);
            double lambda = 1 / (m * o.EpsD2);
            var pd = ToMatrix(p, m, o.Dim);
            var zd = ToMatrix(z, m, o.Dim);
            var clock = Stopwatch.StartNew();
            var c = MecReference.Correlation(pd, zd, lambda);
            double exact = MecReference.LogDetIdentityPlus(c);
            double csharpMs = clock.Elapsed.TotalMilliseconds;
            double sigma = MecReference.SpectralNorm(c);
            double Error(double v) => Math.Abs(v - exact) / Math.Abs(exact);

            using var pValue = OrtValue.CreateTensorValueFromMemory(p, [m, o.Dim]);
            using var zValue = OrtValue.CreateTensorValueFromMemory(z, [m, o.Dim]);
            using var lambdaValue = OrtValue.CreateTensorValueFromMemory(new[] { (float)lambda }, []);
            OrtValue[] inputs = [pValue, zValue, lambdaValue];

            foreach (int order in o.TaylorOrders)
            {
                var (forwardMs, value) = Time(TaylorGraph(m, o.Dim, order, withGradient: false), inputs, o, factory);
                var (backwardMs, _) = Time(TaylorGraph(m, o.Dim, order, withGradient: true), inputs, o, factory);
                yield return new LossBenchmarkRow(m, $"taylor order {order} (ORT)", forwardMs, backwardMs, Error(value), sigma);
            }
            var (detMs, det) = Time(ExactGraph(m, o.Dim), inputs, o, factory);
            yield return new LossBenchmarkRow(m, "exact log-det (ORT Det, float32)", detMs, null, Error(det), sigma);
            yield return new LossBenchmarkRow(m, "exact log-det (C# LU, float64)", csharpMs, null, 0, sigma);
        }
    }

    private static GraphBuilder TaylorGraph(int m, int d, int order, bool withGradient)
    {
        var g = new GraphBuilder("taylor");
        var (p, z, lambda) = Inputs(g, m, d);
        var t = MecLoss.TaylorTrace(g, p, z, lambda, order, MecForm.Batch);
        g.Output(t, "value");
        if (withGradient) g.Output(Autodiff.Gradients(t, [p])[0], "grad_p");
        return g;
    }

    private static GraphBuilder ExactGraph(int m, int d)
    {
        var g = new GraphBuilder("exact");
        var (p, z, lambda) = Inputs(g, m, d);
        var eye = new float[m * m];
        for (int i = 0; i < m; i++) eye[i * m + i] = 1;
        var c = g.Mul(g.MatMul(p, g.Transpose(z, 1, 0)), lambda);
        g.Output(g.Log(g.Det(g.Add(c, g.Constant(TensorData.Floats(eye, m, m))))), "value");
        return g;
    }

    private static (Value P, Value Z, Value Lambda) Inputs(GraphBuilder g, int m, int d) =>
        (g.Input("p", DType.Float, Shape.Of(m, d)), g.Input("z", DType.Float, Shape.Of(m, d)), g.Input("lambda", DType.Float, Shape.Scalar));

    /// <summary>Median milliseconds of one session run over the repeats after a warm-up, and the value it gave.</summary>
    private static (double Ms, double Value) Time(GraphBuilder graph, OrtValue[] inputs, LossBenchmarkOptions o, SessionFactory factory)
    {
        using var session = factory.Open(ModelWriter.ToBytes(graph), $"the {graph.Name} graph");
        using var run = new RunOptions();
        string[] names = ["p", "z", "lambda"];
        var outputs = graph.Outputs.Select(v => v.Name).ToArray();
        double value = 0;
        var times = new List<double>();
        for (int i = 0; i <= o.Repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            using var result = session.Run(run, names, inputs, outputs);
            double ms = clock.Elapsed.TotalMilliseconds;
            value = result[0].GetTensorDataAsSpan<float>()[0];
            if (i > 0) times.Add(ms);
        }
        times.Sort();
        return (times[times.Count / 2], value);
    }

    /// <summary>Unit rows p and z with z = normalize(p + noise), |noise| ≈ |p|, so the positive cosine is about 0.71.</summary>
    private static (float[] P, float[] Z) Embeddings(int m, int d, int seed)
    {
        var rng = new Random(seed);
        double Gaussian() => rng.NextGaussian();
        var p = new float[m * d];
        var z = new float[m * d];
        for (int i = 0; i < m; i++)
        {
            var row = Enumerable.Range(0, d).Select(_ => Gaussian()).ToArray();
            var noisy = row.Select(v => v + Gaussian()).ToArray();
            double pn = Math.Sqrt(row.Sum(v => v * v)), zn = Math.Sqrt(noisy.Sum(v => v * v));
            for (int j = 0; j < d; j++)
            {
                p[i * d + j] = (float)(row[j] / pn);
                z[i * d + j] = (float)(noisy[j] / zn);
            }
        }
        return (p, z);
    }

    private static double[,] ToMatrix(float[] values, int rows, int cols)
    {
        var a = new double[rows, cols];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) a[i, j] = values[i * cols + j];
        return a;
    }
}
