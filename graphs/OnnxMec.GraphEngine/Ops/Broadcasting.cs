namespace OnnxMec.GraphEngine;

public sealed partial class GraphBuilder
{
    /// <summary>Numpy broadcasting of the values' static shapes; a symbolic dimension meets only itself or 1.</summary>
    internal Shape Broadcast(string opType, string hint, params Value[] values) =>
        values.Skip(1).Aggregate(values[0].Shape, (shape, v) => BroadcastShapes(opType, hint, shape, v.Shape));

    internal void SameType(string opType, string hint, params Value[] values)
    {
        var first = values[0];
        foreach (var v in values.Skip(1))
            if (v.DType != first.DType)
                throw Misfit(opType, hint, $"element types differ: '{first.Name}' is {first.DType.OnnxName()}, '{v.Name}' is {v.DType.OnnxName()}");
    }
}
