namespace OnnxMec.GraphEngine;

/// <summary>Element types the builder emits; the numbers are ONNX's TensorProto.DataType codes.</summary>
public enum DType
{
    Float = 1,
    UInt8 = 2,
    Int8 = 3,
    Int32 = 6,
    Int64 = 7,
    Bool = 9,
    Double = 11,
}

public static class DTypeExtensions
{
    public static bool IsFloating(this DType t) => t is DType.Float or DType.Double;

    public static string OnnxName(this DType t) => t switch
    {
        DType.Float => "float32",
        DType.Double => "float64",
        DType.Int64 => "int64",
        DType.Int32 => "int32",
        DType.Bool => "bool",
        DType.UInt8 => "uint8",
        DType.Int8 => "int8",
        _ => t.ToString(),
    };
}
