namespace OnnxMec.Graphs;

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

    /// <summary>
    /// Set on a custom-gradient marker (<see cref="GraphBuilder.CustomGradient"/>): the values the
    /// rule differentiates with respect to, in place of <see cref="Inputs"/>, and the rule itself.
    /// Not written to the model file.
    /// </summary>
    public IReadOnlyList<Value>? GradientInputs { get; internal set; }
    internal GradientRule? CustomRule { get; set; }

    /// <summary>The values autodiff follows through this node: <see cref="GradientInputs"/> where set, else <see cref="Inputs"/>.</summary>
    public IReadOnlyList<Value?> DifferentiableInputs => GradientInputs ?? Inputs;

    /// <summary>Set on the stop-gradient marker: autodiff treats its output as a constant.</summary>
    public bool StopsGradient { get; internal set; }

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
