namespace OnnxMec.GraphEngine;

public sealed partial class GraphBuilder
{
    /// <summary>
    /// Reshape to a target shape that may hold symbolic dimensions: a symbol found at the same
    /// position of the input is copied (ONNX 0), one other symbolic dimension is inferred (−1).
    /// </summary>
    public Value Reshape(Value x, Shape target, string? name = null)
    {
        string hint = name ?? "reshape";
        if (x.Shape.Equals(target)) return x;
        var code = new long[target.Rank];
        int inferred = 0;
        for (int i = 0; i < target.Rank; i++)
        {
            if (target[i].IsStatic) code[i] = target[i].Size;
            else if (i < x.Rank && x.Shape[i] == target[i]) code[i] = 0;
            else { code[i] = -1; inferred++; }
        }
        if (inferred > 1) throw Misfit("Reshape", hint, $"cannot reshape '{x.Name}' {x.Shape} to {target}: more than one dimension to infer");
        if (x.Shape.IsStatic && target.IsStatic && x.Shape.ElementCount != target.ElementCount)
            throw Misfit("Reshape", hint, $"cannot reshape '{x.Name}' {x.Shape} ({x.Shape.ElementCount} elements) to {target} ({target.ElementCount})");
        return Emit("Reshape", [x, Ints(code)], [(x.DType, target)], hint: hint)[0];
    }

    /// <summary>Reshape to the shape of another value, read at run time when it is not static.</summary>
    public Value ReshapeLike(Value x, Value like, string? name = null)
    {
        if (x.Shape.Equals(like.Shape)) return x;
        if (like.Shape.IsStatic || like.Shape.Count(d => !d.IsStatic) <= 1) return Reshape(x, like.Shape, name);
        return Emit("Reshape", [x, ShapeOf(like)], [(x.DType, like.Shape)], hint: name ?? "reshape")[0];
    }

    public Value Flatten(Value x, int axis = 1, string? name = null)
    {
        int a = axis < 0 ? axis + x.Rank : axis;
        var shape = new Shape(Dim.Product(x.Shape.Take(a)), Dim.Product(x.Shape.Skip(a)));
        return Emit("Flatten", [x], [(x.DType, shape)], n => n.SetAttribute("axis", (long)a), name ?? "flatten")[0];
    }

    public Value Transpose(Value x, params int[] perm)
    {
        if (perm.Length != x.Rank || perm.OrderBy(p => p).Where((p, i) => p != i).Any())
            throw Misfit("Transpose", "transpose", $"perm [{string.Join(",", perm)}] is not a permutation of the axes of '{x.Name}' {x.Shape}");
        var shape = new Shape(perm.Select(p => x.Shape[p]));
        return Emit("Transpose", [x], [(x.DType, shape)], n => n.SetAttribute("perm", perm), "transpose")[0];
    }

    public Value Concat(IReadOnlyList<Value> values, int axis, string? name = null)
    {
        string hint = name ?? "concat";
        if (values.Count == 1) return values[0];
        var first = values[0];
        int a = first.Shape.Axis(axis);
        SameType("Concat", hint, [.. values]);
        foreach (var v in values)
            for (int i = 0; i < first.Rank; i++)
                if (v.Rank != first.Rank || (i != a && v.Shape[i] != first.Shape[i]))
                    throw Misfit("Concat", hint, $"'{v.Name}' {v.Shape} does not fit '{first.Name}' {first.Shape} along axis {a}");
        var shape = first.Shape.With(a, values.Sum(v => StaticAxis("Concat", hint, v, a)));
        return Emit("Concat", [.. values], [(first.DType, shape)], n => n.SetAttribute("axis", (long)a), hint)[0];
    }

    private long StaticAxis(string opType, string hint, Value v, int axis) =>
        v.Shape[axis].IsStatic ? v.Shape[axis].Size : throw Misfit(opType, hint, $"axis {axis} of '{v.Name}' {v.Shape} must be static");

    /// <summary>ONNX Slice with constant starts/ends/axes/steps; sliced axes must be static.</summary>
    public Value Slice(Value x, long[] starts, long[] ends, long[] axes, long[]? steps = null, string? name = null)
    {
        string hint = name ?? "slice";
        steps ??= Enumerable.Repeat(1L, starts.Length).ToArray();
        var shape = x.Shape;
        for (int j = 0; j < axes.Length; j++)
        {
            int a = x.Shape.Axis(axes[j]);
            var (_, count) = SliceRange(StaticAxis("Slice", hint, x, a), starts[j], ends[j], steps[j]);
            shape = shape.With(a, count);
        }
        return Emit("Slice", [x, Ints(starts), Ints(ends), Ints(axes), Ints(steps)], [(x.DType, shape)], hint: hint)[0];
    }

    /// <summary>ONNX Slice's clamping rules: the first index taken and how many are taken.</summary>
    public static (long First, long Count) SliceRange(long size, long start, long end, long step)
    {
        if (step == 0) throw new ArgumentException("slice step cannot be 0");
        if (start < 0) start += size;
        if (end < 0) end += size;
        if (step > 0)
        {
            start = Math.Clamp(start, 0, size);
            end = Math.Clamp(end, 0, size);
            return (start, Math.Max(0, (end - start + step - 1) / step));
        }
        start = Math.Clamp(start, -1, size - 1);
        end = Math.Clamp(end, -1, size - 1);
        return (start, Math.Max(0, (start - end - step - 1) / -step));
    }

    public Value[] Split(Value x, int axis, long[] sizes, string? name = null)
    {
        string hint = name ?? "split";
        int a = x.Shape.Axis(axis);
        if (sizes.Sum() != StaticAxis("Split", hint, x, a))
            throw Misfit("Split", hint, $"sizes [{string.Join(",", sizes)}] do not add up to axis {a} of '{x.Name}' {x.Shape}");
        return Emit("Split", [x, Ints(sizes)], sizes.Select(s => (x.DType, x.Shape.With(a, s))).ToArray(),
            n => n.SetAttribute("axis", (long)a), hint);
    }

    public Value Squeeze(Value x, params long[] axes)
    {
        var normal = axes.Select(a => x.Shape.Axis(a)).ToHashSet();
        foreach (int a in normal)
            if (x.Shape[a] != Dim.Of(1)) throw Misfit("Squeeze", "squeeze", $"axis {a} of '{x.Name}' {x.Shape} is not 1");
        var shape = new Shape(x.Shape.Where((_, i) => !normal.Contains(i)));
        return Emit("Squeeze", [x, Ints(axes)], [(x.DType, shape)], hint: "squeeze")[0];
    }

    public Value Unsqueeze(Value x, params long[] axes)
    {
        int rank = x.Rank + axes.Length;
        var normal = axes.Select(a => x.Shape.Axis(a, rank)).ToHashSet();
        var dims = new List<Dim>();
        int k = 0;
        for (int i = 0; i < rank; i++) dims.Add(normal.Contains(i) ? Dim.Of(1) : x.Shape[k++]);
        return Emit("Unsqueeze", [x, Ints(axes)], [(x.DType, new Shape(dims))], hint: "unsqueeze")[0];
    }

    /// <summary>The shape of x as a 1-D int64 tensor; a constant when the shape is static.</summary>
    public Value ShapeOf(Value x) =>
        x.Shape.IsStatic ? Ints(x.Shape.Sizes) : Emit("Shape", [x], [(DType.Int64, new Shape(Dim.Of(x.Rank)))], hint: "shape")[0];

    /// <summary>The element count of x as an int64 scalar.</summary>
    public Value Size(Value x) =>
        x.Shape.IsStatic ? Constant(TensorData.Longs([x.Shape.ElementCount.Size])) : Emit("Size", [x], [(DType.Int64, Shape.Scalar)], hint: "size")[0];

    /// <summary>Broadcasts x to the shape of another value.</summary>
    public Value ExpandAs(Value x, Value like, string? name = null)
    {
        string hint = name ?? "expand";
        var shape = BroadcastShapes("Expand", hint, x.Shape, like.Shape);
        if (!shape.Equals(like.Shape)) throw Misfit("Expand", hint, $"'{x.Name}' {x.Shape} does not broadcast to {like.Shape}");
        if (x.Shape.Equals(like.Shape)) return x;
        return Emit("Expand", [x, ShapeOf(like)], [(x.DType, like.Shape)], hint: hint)[0];
    }

    /// <summary>A tensor of the shape of another value, filled with one number.</summary>
    public Value Filled(Value like, double value, DType? dtype = null)
    {
        var t = dtype ?? like.DType;
        if (like.Shape.IsStatic && like.Shape.ElementCount.Size <= 1)
            return Reshape(Scalar(value, t), like.Shape);
        return Emit("ConstantOfShape", [ShapeOf(like)], [(t, like.Shape)], n => n.SetAttribute("value", OneElement(t, value)), hint: "filled")[0];
    }

    /// <summary>ConstantOfShape wants its fill value as a one-element 1-D tensor attribute.</summary>
    private static TensorData OneElement(DType t, double value)
    {
        var scalar = TensorData.Scalar(t, value);
        return TensorData.From<byte>(t, scalar.Bytes, 1);
    }

    public Value ZerosLike(Value like) => Filled(like, 0);
}
