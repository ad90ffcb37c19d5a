using System.Collections;

namespace OnnxMec.GraphEngine;

/// <summary>An immutable tensor shape; dimensions may be symbolic (see <see cref="Dim"/>).</summary>
public sealed class Shape : IReadOnlyList<Dim>, IEquatable<Shape>
{
    private readonly Dim[] _dims;

    public Shape(IEnumerable<Dim> dims) => _dims = dims.ToArray();
    public Shape(params Dim[] dims) => _dims = (Dim[])dims.Clone();

    public static Shape Scalar { get; } = new();
    public static Shape Of(params long[] dims) => new(dims.Select(Dim.Of));

    public int Rank => _dims.Length;
    public int Count => _dims.Length;
    public Dim this[int index] => _dims[index];

    public bool IsStatic => _dims.All(d => d.IsStatic);

    /// <summary>The sizes of a fully static shape.</summary>
    public long[] Sizes => IsStatic
        ? _dims.Select(d => d.Size).ToArray()
        : throw new InvalidOperationException($"shape {this} is not static");

    public Dim ElementCount => Dim.Product(_dims);

    /// <summary>Normalises a possibly negative axis against this rank.</summary>
    public int Axis(long axis, int? rank = null)
    {
        int r = rank ?? Rank;
        long a = axis < 0 ? axis + r : axis;
        if (a < 0 || a >= r) throw new ArgumentOutOfRangeException(nameof(axis), axis, $"axis out of range for rank {r} (shape {this})");
        return (int)a;
    }

    public Shape With(int axis, Dim dim)
    {
        var d = (Dim[])_dims.Clone();
        d[axis] = dim;
        return new Shape(d);
    }

    public IEnumerator<Dim> GetEnumerator() => ((IEnumerable<Dim>)_dims).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => _dims.GetEnumerator();

    public bool Equals(Shape? other) => other is not null && _dims.AsSpan().SequenceEqual(other._dims);
    public override bool Equals(object? obj) => Equals(obj as Shape);
    public override int GetHashCode() => _dims.Aggregate(17, (h, d) => h * 31 + d.GetHashCode());
    public override string ToString() => "[" + string.Join(",", _dims) + "]";
}
