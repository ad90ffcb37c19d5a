namespace OnnxMec.Graphs;

public sealed partial class GraphBuilder
{
    /// <summary>Numpy broadcasting of static shapes; a symbolic dimension meets only itself or 1.</summary>
    internal Shape Broadcast(string opType, string hint, params Value[] values)
    {
        int rank = values.Max(v => v.Rank);
        var dims = new Dim[rank];
        for (int i = 0; i < rank; i++)
        {
            Dim result = 1;
            foreach (var v in values)
            {
                int j = i - (rank - v.Rank);
                if (j < 0) continue;
                Dim d = v.Shape[j];
                if (d == result || d == Dim.Of(1)) continue;
                if (result == Dim.Of(1)) { result = d; continue; }
                throw Misfit(opType, hint, $"cannot broadcast {string.Join(" with ", values.Select(x => $"'{x.Name}' {x.Shape}"))} (axis {i}: {result} vs {d})");
            }
            dims[i] = result;
        }
        return new Shape(dims);
    }

    internal void SameType(string opType, string hint, params Value[] values)
    {
        var first = values[0];
        foreach (var v in values.Skip(1))
            if (v.DType != first.DType)
                throw Misfit(opType, hint, $"element types differ: '{first.Name}' is {first.DType.OnnxName()}, '{v.Name}' is {v.DType.OnnxName()}");
    }
}
