namespace OnnxMec.GraphEngine;

/// <summary>
/// One dimension of a static shape: a known size, or a symbol (the batch, "N") that is fixed only
/// when the graph runs. A product of a symbol and known sizes is kept as a symbol such as "N*16",
/// so flattening a batch keeps its meaning.
/// </summary>
public readonly record struct Dim
{
    public long Size { get; }
    public string? Symbol { get; }

    private Dim(long size, string? symbol)
    {
        Size = size;
        Symbol = symbol;
    }

    public static Dim Of(long size)
    {
        if (size < 0) throw new ArgumentOutOfRangeException(nameof(size), size, "a dimension cannot be negative");
        return new Dim(size, null);
    }

    public static Dim Sym(string symbol) => new(-1, symbol);

    public bool IsStatic => Symbol is null;

    public static implicit operator Dim(long size) => Of(size);
    public static implicit operator Dim(int size) => Of(size);

    /// <summary>Product of dimensions; at most one of them may be symbolic.</summary>
    public static Dim Product(IEnumerable<Dim> dims)
    {
        long known = 1;
        string? symbol = null;
        foreach (var d in dims)
        {
            if (d.IsStatic) { known *= d.Size; continue; }
            if (symbol is not null) throw new InvalidOperationException($"cannot multiply two symbolic dimensions ({symbol}, {d.Symbol})");
            symbol = d.Symbol;
        }
        if (symbol is null) return Of(known);
        if (known == 0) return Of(0);
        return known == 1 ? Sym(symbol) : Sym($"{symbol}*{known}");
    }

    public override string ToString() => Symbol ?? Size.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
