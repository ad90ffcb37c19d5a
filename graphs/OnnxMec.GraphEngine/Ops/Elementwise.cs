namespace OnnxMec.GraphEngine;

public sealed partial class GraphBuilder
{
    private Value Binary(string opType, Value a, Value b, string? name, DType? resultType = null)
    {
        string hint = name ?? opType.ToLowerInvariant();
        SameType(opType, hint, a, b);
        var shape = Broadcast(opType, hint, a, b);
        return Emit(opType, [a, b], [(resultType ?? a.DType, shape)], hint: hint)[0];
    }

    private Value Unary(string opType, Value x, string? name) =>
        Emit(opType, [x], [(x.DType, x.Shape)], hint: name ?? opType.ToLowerInvariant())[0];

    public Value Add(Value a, Value b, string? name = null) => Binary("Add", a, b, name);
    public Value Sub(Value a, Value b, string? name = null) => Binary("Sub", a, b, name);
    public Value Mul(Value a, Value b, string? name = null) => Binary("Mul", a, b, name);
    public Value Div(Value a, Value b, string? name = null) => Binary("Div", a, b, name);
    public Value Pow(Value a, Value exponent, string? name = null) => Binary("Pow", a, exponent, name);
    public Value Max(Value a, Value b, string? name = null) => Binary("Max", a, b, name);
    public Value Min(Value a, Value b, string? name = null) => Binary("Min", a, b, name);

    public Value Add(Value a, double b) => Add(a, Scalar(b, a.DType));
    public Value Sub(Value a, double b) => Sub(a, Scalar(b, a.DType));
    public Value Mul(Value a, double b) => Mul(a, Scalar(b, a.DType));
    public Value Div(Value a, double b) => Div(a, Scalar(b, a.DType));
    public Value Pow(Value a, double exponent) => Pow(a, Scalar(exponent, a.DType));
    public Value Max(Value a, double b) => Max(a, Scalar(b, a.DType));

    /// <summary>Variadic sum; one value comes back unchanged.</summary>
    public Value Sum(IReadOnlyList<Value> values, string? name = null)
    {
        if (values.Count == 0) throw new ArgumentException("Sum of nothing");
        if (values.Count == 1) return values[0];
        if (values.Count == 2) return Add(values[0], values[1], name);
        string hint = name ?? "sum";
        SameType("Sum", hint, [.. values]);
        return Emit("Sum", [.. values], [(values[0].DType, Broadcast("Sum", hint, [.. values]))], hint: hint)[0];
    }

    public Value Greater(Value a, Value b, string? name = null) => Binary("Greater", a, b, name, DType.Bool);
    public Value Less(Value a, Value b, string? name = null) => Binary("Less", a, b, name, DType.Bool);
    public Value GreaterOrEqual(Value a, Value b, string? name = null) => Binary("GreaterOrEqual", a, b, name, DType.Bool);
    public Value LessOrEqual(Value a, Value b, string? name = null) => Binary("LessOrEqual", a, b, name, DType.Bool);
    public Value Equal(Value a, Value b, string? name = null) => Binary("Equal", a, b, name, DType.Bool);
    public Value And(Value a, Value b, string? name = null) => Binary("And", a, b, name, DType.Bool);

    public Value Relu(Value x, string? name = null) => Unary("Relu", x, name);
    public Value Neg(Value x, string? name = null) => Unary("Neg", x, name);
    public Value Sqrt(Value x, string? name = null) => Unary("Sqrt", x, name);
    public Value Exp(Value x, string? name = null) => Unary("Exp", x, name);
    public Value Log(Value x, string? name = null) => Unary("Log", x, name);
    public Value Abs(Value x, string? name = null) => Unary("Abs", x, name);
    public Value Identity(Value x, string? name = null) => Unary("Identity", x, name);

    public Value Cast(Value x, DType to, string? name = null) =>
        Emit("Cast", [x], [(to, x.Shape)], n => n.SetAttribute("to", (long)to), name ?? "cast")[0];

    /// <summary>Clip against constant bounds; either bound may be omitted.</summary>
    public Value Clip(Value x, double? min, double? max, string? name = null) =>
        Emit("Clip", [x, min is null ? null : Scalar(min.Value, x.DType), max is null ? null : Scalar(max.Value, x.DType)],
            [(x.DType, x.Shape)], hint: name ?? "clip")[0];

    public Value Where(Value condition, Value whenTrue, Value whenFalse, string? name = null)
    {
        string hint = name ?? "where";
        if (condition.DType != DType.Bool) throw Misfit("Where", hint, $"condition '{condition.Name}' must be bool, is {condition.DType.OnnxName()}");
        SameType("Where", hint, whenTrue, whenFalse);
        return Emit("Where", [condition, whenTrue, whenFalse], [(whenTrue.DType, Broadcast("Where", hint, condition, whenTrue, whenFalse))], hint: hint)[0];
    }
}
