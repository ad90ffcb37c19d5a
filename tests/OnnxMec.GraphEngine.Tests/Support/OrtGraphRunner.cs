using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace OnnxMec.GraphEngine.Tests;

/// <summary>Runs a built graph through a plain ORT CPU InferenceSession, with every tensor as doubles.</summary>
internal sealed class OrtGraphRunner : IDisposable
{
    private readonly InferenceSession _session;
    private readonly GraphBuilder _graph;

    public OrtGraphRunner(GraphBuilder graph)
    {
        _graph = graph;
        // No graph optimisation: ORT folds a constant scale into MatMul as FusedMatMul's float32
        // alpha, which costs a float64 graph 3e-8 relative; the checks here want the graph as built.
        using var options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL,
        };
        _session = new InferenceSession(ModelWriter.ToBytes(graph), options);
    }

    /// <summary>Runs with one array per graph input (in input order); returns every graph output.</summary>
    public double[][] Run(IReadOnlyList<double[]> inputs) =>
        Run(inputs, _graph.Inputs.Select(StaticShape).ToArray());

    /// <summary>Runs with explicit input shapes, for graphs with a symbolic batch.</summary>
    public double[][] Run(IReadOnlyList<double[]> inputs, IReadOnlyList<long[]> shapes)
    {
        var values = new List<OrtValue>();
        try
        {
            for (int i = 0; i < inputs.Count; i++) values.Add(Tensor(_graph.Inputs[i].DType, inputs[i], shapes[i]));
            using var runOptions = new RunOptions();
            using var results = _session.Run(runOptions, _graph.Inputs.Select(v => v.Name).ToArray(), values,
                _graph.Outputs.Select(v => v.Name).ToArray());
            return results.Select(ToDoubles).ToArray();
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    private static long[] StaticShape(Value input) => input.Shape.IsStatic
        ? input.Shape.Sizes
        : throw new ArgumentException($"input '{input.Name}' {input.Shape} is symbolic: pass its shape");

    private static OrtValue Tensor(DType dtype, double[] data, long[] shape)
    {
        return dtype switch
        {
            DType.Double => OrtValue.CreateTensorValueFromMemory(data, shape),
            DType.Float => OrtValue.CreateTensorValueFromMemory(data.Select(v => (float)v).ToArray(), shape),
            DType.Int64 => OrtValue.CreateTensorValueFromMemory(data.Select(v => (long)v).ToArray(), shape),
            _ => throw new NotSupportedException(dtype.ToString()),
        };
    }

    private static double[] ToDoubles(OrtValue v) => v.GetTensorTypeAndShape().ElementDataType switch
    {
        TensorElementType.Double => v.GetTensorDataAsSpan<double>().ToArray(),
        TensorElementType.Float => v.GetTensorDataAsSpan<float>().ToArray().Select(x => (double)x).ToArray(),
        TensorElementType.Int64 => v.GetTensorDataAsSpan<long>().ToArray().Select(x => (double)x).ToArray(),
        TensorElementType.Bool => v.GetTensorDataAsSpan<bool>().ToArray().Select(x => x ? 1.0 : 0.0).ToArray(),
        var t => throw new NotSupportedException(t.ToString()),
    };

    public void Dispose() => _session.Dispose();
}
