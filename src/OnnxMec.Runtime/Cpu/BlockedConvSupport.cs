using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using OnnxMec.GraphEngine;

namespace OnnxMec.Runtime;

/// <summary>
/// Finds the NCHWc block size of the ONNX Runtime CPU kernels on this machine (16 with AVX-512, 8
/// with AVX2; it is not exposed by ORT's API) by running one small Conv both ways: plain, and
/// rewritten by <see cref="BlockedConvRewrite"/> for each candidate. A candidate counts only if the
/// results agree, so a wrong guess or a build without the kernels leaves graphs as they are (0).
/// </summary>
public static class BlockedConvSupport
{
    private static readonly Lazy<int> Probed = new(Probe);

    /// <summary>The block size that reproduces the plain Conv, or 0 when none does.</summary>
    public static int BlockSize => Probed.Value;

    private static int Probe()
    {
        const int channels = 32, side = 6;
        var rng = new Random(1);
        var x = Enumerable.Range(0, 2 * channels * side * side).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var w = Enumerable.Range(0, channels * channels * 9).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        float[]? plain = Run(ProbeModel(channels, side), x, w, channels, side);
        if (plain is null) return 0;
        foreach (int block in new[] { 16, 8 })
        {
            var model = ProbeModel(channels, side);
            BlockedConvRewrite.Apply(model, block);
            var blocked = Run(model, x, w, channels, side);
            if (blocked is not null && blocked.Zip(plain).All(p => Math.Abs(p.First - p.Second) <= 1e-4f * (1 + Math.Abs(p.Second))))
                return block;
        }
        return 0;
    }

    private static float[]? Run(ModelProto model, float[] x, float[] w, int channels, int side)
    {
        try
        {
            using var options = new SessionOptions { IntraOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
            using var session = new InferenceSession(model.ToByteArray(), options);
            using var xv = OrtValue.CreateTensorValueFromMemory(x, [2, channels, side, side]);
            using var wv = OrtValue.CreateTensorValueFromMemory(w, [channels, channels, 3, 3]);
            using var run = new RunOptions();
            using var outputs = session.Run(run, ["X", "W"], [xv, wv], ["Y"]);
            return outputs[0].GetTensorDataAsSpan<float>().ToArray();
        }
        catch (OnnxRuntimeException)
        {
            return null;
        }
    }

    private static ModelProto ProbeModel(int channels, int side)
    {
        var g = new GraphBuilder("nchwc_probe");
        var x = g.Input("X", DType.Float, Shape.Of(2, channels, side, side));
        var w = g.Input("W", DType.Float, Shape.Of(channels, channels, 3, 3));
        g.Output(g.Conv(x, w, null, pad: 1), "Y");
        return ModelWriter.ToModel(g);
    }
}
