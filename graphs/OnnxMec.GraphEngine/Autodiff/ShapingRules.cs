namespace OnnxMec.GraphEngine;

internal static class ShapingRules
{
    // Reshape, Flatten, Squeeze and Unsqueeze only relabel the elements: reshape the gradient back.
    public static Value?[] ReshapeBack(GradientContext c) => c.Grads(() => c.G.ReshapeLike(c.D, c.X(0)));

    public static Value?[] Transpose(GradientContext c)
    {
        var perm = c.Node.Ints("perm")!;
        var inverse = new int[perm.Length];
        for (int i = 0; i < perm.Length; i++) inverse[perm[i]] = i;
        return [c.G.Transpose(c.D, inverse)];
    }

    public static Value?[] Concat(GradientContext c)
    {
        int axis = (int)c.Node.Int("axis", 0);
        var sizes = c.Node.Inputs.Select(v => v!.Shape[axis].Size).ToArray();
        return c.G.Split(c.D, axis, sizes, "dconcat");
    }

    public static Value?[] Split(GradientContext c)
    {
        int axis = (int)c.Node.Int("axis", 0);
        var parts = c.Node.Outputs.Select((y, i) => c.Dy(i) ?? c.G.ZerosLike(y)).ToList();
        return [c.G.Concat(parts, axis, "dsplit"), null];
    }

    // The slice's gradient lands where the slice was taken, zeros elsewhere: a Pad per axis; a
    // step s first spreads the values s apart (interleaving s − 1 zeros), a negative step first
    // reverses them.
    public static Value?[] Slice(GradientContext c)
    {
        var (g, x) = (c.G, c.X(0));
        long[] Read(int i) => c.Node.Inputs[i]!.ConstantData!.As<long>().ToArray();
        var (starts, ends, axes) = (Read(1), Read(2), Read(3));
        var steps = c.Node.Inputs.Count > 4 && c.Node.Inputs[4] is not null ? Read(4) : Enumerable.Repeat(1L, starts.Length).ToArray();
        var grad = c.D;
        for (int j = 0; j < axes.Length; j++)
        {
            int axis = x.Shape.Axis(axes[j]);
            long size = x.Shape[axis].Size;
            var (first, count) = GraphBuilder.SliceRange(size, starts[j], ends[j], steps[j]);
            long step = steps[j];
            if (step < 0)
            {
                grad = g.Slice(grad, [-1], [long.MinValue], [axis], [-1], "reverse");
                first += (count - 1) * step;
                step = -step;
            }
            if (step > 1) grad = Spread(g, grad, axis, step);
            long length = Math.Min(grad.Shape[axis].Size, size - first);
            if (length < grad.Shape[axis].Size) grad = g.Slice(grad, [0], [length], [axis]);
            var pads = new long[2 * x.Rank];
            pads[axis] = first;
            pads[axis + x.Rank] = size - first - length;
            grad = g.Pad(grad, pads, 0, "dslice");
        }
        return [grad, null, null, null, null];
    }

    /// <summary>Puts element i of an axis at position i · step, zeros between: [.., c, ..] → [.., c·step, ..].</summary>
    private static Value Spread(GraphBuilder g, Value grad, int axis, long step)
    {
        var column = g.Unsqueeze(grad, axis + 1);
        var pads = new long[2 * column.Rank];
        pads[axis + 1 + column.Rank] = step - 1;
        var padded = g.Pad(column, pads);
        return g.Reshape(padded, grad.Shape.With(axis, grad.Shape[axis].Size * step));
    }

    public static Value?[] Expand(GradientContext c) => [c.ReduceTo(c.D, c.X(0)), null];
}
