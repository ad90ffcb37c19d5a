namespace OnnxMec.GraphEngine;

public sealed partial class GraphBuilder
{
    public Value ReduceSum(Value x, long[]? axes = null, bool keepDims = false, string? name = null) => Reduce("ReduceSum", x, axes, keepDims, name);
    public Value ReduceMean(Value x, long[]? axes = null, bool keepDims = false, string? name = null) => Reduce("ReduceMean", x, axes, keepDims, name);
    public Value ReduceSumSquare(Value x, long[]? axes = null, bool keepDims = false, string? name = null) => Reduce("ReduceSumSquare", x, axes, keepDims, name);

    /// <summary>A reduction with axes as a constant input (opset 18); no axes reduces over all of them.</summary>
    private Value Reduce(string opType, Value x, long[]? axes, bool keepDims, string? name)
    {
        var all = Enumerable.Range(0, x.Rank).Select(i => (long)i).ToArray();
        var normal = (axes is null || axes.Length == 0 ? all : axes).Select(a => x.Shape.Axis(a)).Distinct().OrderBy(a => a).ToArray();
        var dims = new List<Dim>();
        for (int i = 0; i < x.Rank; i++)
        {
            if (!normal.Contains(i)) dims.Add(x.Shape[i]);
            else if (keepDims) dims.Add(1);
        }
        var inputs = new Value?[] { x, Ints(normal.Select(a => (long)a).ToArray()) };
        return Emit(opType, inputs, [(x.DType, new Shape(dims))], n => n.SetAttribute("keepdims", keepDims ? 1L : 0L), name ?? opType.ToLowerInvariant())[0];
    }

    /// <summary>The axes a reduction node reduced over, read back from its constant axes input.</summary>
    internal static long[] ReducedAxes(Node node)
    {
        var x = node.Input(0);
        var axes = node.Inputs.Count > 1 && node.Inputs[1] is { } a
            ? a.ConstantData?.As<long>().ToArray() ?? throw new GraphBuildException($"{node}: axes must be a constant")
            : [];
        return axes.Length == 0 ? Enumerable.Range(0, x.Rank).Select(i => (long)i).ToArray() : axes.Select(v => (long)x.Shape.Axis(v)).ToArray();
    }
}
