using System.Runtime.InteropServices;

namespace OnnxMec.GraphEngine;

/// <summary>
/// A constant tensor held in managed memory: the payload of initializers, Constant nodes and
/// tensor attributes. Stored as little-endian bytes so writing it is one copy, byte-for-byte
/// reproducible.
/// </summary>
public sealed class TensorData
{
    public DType DType { get; }
    public long[] Dims { get; }
    public byte[] Bytes { get; }

    private TensorData(DType dtype, long[] dims, byte[] bytes)
    {
        DType = dtype;
        Dims = dims;
        Bytes = bytes;
        long count = dims.Aggregate(1L, (a, b) => a * b);
        if (count * ElementSize(dtype) != bytes.Length)
            throw new ArgumentException($"tensor of shape [{string.Join(",", dims)}] and type {dtype.OnnxName()} needs {count * ElementSize(dtype)} bytes, got {bytes.Length}");
    }

    public Shape Shape => Shape.Of(Dims);
    public long ElementCount => Dims.Aggregate(1L, (a, b) => a * b);

    public static int ElementSize(DType t) => t switch
    {
        DType.Float or DType.Int32 => 4,
        DType.Double or DType.Int64 => 8,
        DType.Bool or DType.UInt8 or DType.Int8 => 1,
        _ => throw new NotSupportedException(t.ToString()),
    };

    public static TensorData From<T>(DType dtype, ReadOnlySpan<T> values, params long[] dims) where T : unmanaged
        => new(dtype, dims, MemoryMarshal.AsBytes(values).ToArray());

    public static TensorData Floats(float[] values, params long[] dims) => From<float>(DType.Float, values, dims);
    public static TensorData Doubles(double[] values, params long[] dims) => From<double>(DType.Double, values, dims);
    public static TensorData Longs(long[] values, params long[] dims) => From<long>(DType.Int64, values, dims);
    public static TensorData Bools(bool[] values, params long[] dims) => From<bool>(DType.Bool, values, dims);

    /// <summary>A floating tensor of the given type from double values (rounded for float32).</summary>
    public static TensorData Real(DType dtype, double[] values, params long[] dims) => dtype switch
    {
        DType.Float => Floats(values.Select(v => (float)v).ToArray(), dims),
        DType.Double => Doubles(values, dims),
        _ => throw new ArgumentException($"expected a floating type, got {dtype.OnnxName()}"),
    };

    public static TensorData Scalar(DType dtype, double value) => dtype switch
    {
        DType.Int64 => Longs([(long)value]),
        DType.Bool => Bools([value != 0]),
        _ => Real(dtype, [value]),
    };

    public ReadOnlySpan<T> As<T>() where T : unmanaged => MemoryMarshal.Cast<byte, T>(Bytes);

    /// <summary>Values as doubles, whatever the element type; for small constants and tests.</summary>
    public double[] ToDoubles() => DType switch
    {
        DType.Float => As<float>().ToArray().Select(v => (double)v).ToArray(),
        DType.Double => As<double>().ToArray(),
        DType.Int64 => As<long>().ToArray().Select(v => (double)v).ToArray(),
        DType.Int32 => As<int>().ToArray().Select(v => (double)v).ToArray(),
        DType.Bool => Bytes.Select(b => b != 0 ? 1.0 : 0.0).ToArray(),
        _ => throw new NotSupportedException(DType.ToString()),
    };
}
