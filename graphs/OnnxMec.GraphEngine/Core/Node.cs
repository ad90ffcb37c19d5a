namespace OnnxMec.GraphEngine;

/// <summary>One ONNX operator application. Attributes keep their insertion order for reproducible files.</summary>
public sealed class Node
{
    private readonly List<KeyValuePair<string, object>> _attributes = [];

    internal Node(string opType, string name, IReadOnlyList<Value?> inputs)
    {
        OpType = opType;
        Name = name;
        Inputs = inputs;
    }

    public string OpType { get; }
    public string Name { get; }

    /// <summary>Inputs in ONNX order; null marks an omitted optional input.</summary>
    public IReadOnlyList<Value?> Inputs { get; }

    public IReadOnlyList<Value> Outputs => _outputs;
    internal readonly List<Value> _outputs = [];

    public IReadOnlyList<KeyValuePair<string, object>> Attributes => _attributes;

    internal void SetAttribute(string name, object value)
    {
        if (value is int i) value = (long)i;
        if (value is int[] ia) value = ia.Select(v => (long)v).ToArray();
        if (value is double d) value = (float)d;
        _attributes.Add(new(name, value));
    }

    public long Int(string name, long fallback) =>
        _attributes.FirstOrDefault(a => a.Key == name).Value is long v ? v : fallback;

    public float Float(string name, float fallback) =>
        _attributes.FirstOrDefault(a => a.Key == name).Value is float v ? v : fallback;

    public string? String(string name) => _attributes.FirstOrDefault(a => a.Key == name).Value as string;

    public long[]? Ints(string name) => _attributes.FirstOrDefault(a => a.Key == name).Value as long[];

    public Value Input(int i) => Inputs[i] ?? throw new InvalidOperationException($"{OpType} '{Name}' has no input {i}");

    public override string ToString() => $"{OpType} '{Name}'";
}
