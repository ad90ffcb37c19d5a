namespace OnnxMec.GraphEngine;

/// <summary>
/// Builds one ONNX graph: inputs, initializers, nodes in topological (append) order, outputs.
/// Op helpers live in the partial files under Ops/ and infer each output's type and static shape,
/// so a misfit is reported while building, naming the node, not when ONNX Runtime loads the file.
/// The same calls always give the same names and so the same bytes.
/// </summary>
public sealed partial class GraphBuilder
{
    /// <summary>ONNX opset the builder targets (ReduceMean and friends take axes as an input from 18).</summary>
    public const int Opset = 18;

    private readonly List<Node> _nodes = [];
    private readonly List<Value> _inputs = [];
    private readonly List<Value> _initializers = [];
    private readonly List<Value> _outputs = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _nameCounters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Value> _constantCache = new(StringComparer.Ordinal);
    private readonly List<string> _scope = [];

    public GraphBuilder(string name) => Name = name;

    public string Name { get; }
    public IReadOnlyList<Node> Nodes => _nodes;
    public IReadOnlyList<Value> Inputs => _inputs;
    public IReadOnlyList<Value> Initializers => _initializers;
    public IReadOnlyList<Value> Outputs => _outputs;

    /// <summary>The current name scope, e.g. "layer1.0.conv1".</summary>
    public string CurrentScope => string.Join(".", _scope);

    /// <summary>Pushes a name scope for everything built until the returned handle is disposed.</summary>
    public IDisposable Scope(string name)
    {
        _scope.Add(name);
        return new ScopeHandle(this, _scope.Count);
    }

    private sealed class ScopeHandle(GraphBuilder graph, int depth) : IDisposable
    {
        private bool _done;
        public void Dispose()
        {
            if (_done) return;
            _done = true;
            if (graph._scope.Count != depth) throw new InvalidOperationException("name scopes closed out of order");
            graph._scope.RemoveAt(depth - 1);
        }
    }

    /// <summary>The scoped form of a local name: "layer1.0" + "conv1" → "layer1.0.conv1".</summary>
    public string Scoped(string local) => _scope.Count == 0 ? local : CurrentScope + "." + local;

    private string Fresh(string hint)
    {
        string baseName = Scoped(hint);
        if (_names.Add(baseName)) return baseName;
        int k = _nameCounters.GetValueOrDefault(baseName);
        string name;
        do { name = $"{baseName}_{++k}"; } while (_names.Contains(name));
        _nameCounters[baseName] = k;
        _names.Add(name);
        return name;
    }

    private void Claim(string exactName)
    {
        if (!_names.Add(exactName)) throw new GraphBuildException($"graph '{Name}': the name '{exactName}' is already used");
    }

    /// <summary>A graph input with an exact (unscoped) name, such as "layer1.0.conv1.weight".</summary>
    public Value Input(string name, DType dtype, Shape shape)
    {
        Claim(name);
        var v = new Value(this, name, dtype, shape, null);
        _inputs.Add(v);
        return v;
    }

    /// <summary>An initializer with an exact name; it stays a constant of the model file.</summary>
    public Value Initializer(string name, TensorData data)
    {
        Claim(name);
        var v = new Value(this, name, data.DType, data.Shape, null) { ConstantData = data };
        _initializers.Add(v);
        return v;
    }

    /// <summary>A Constant node; identical constants are emitted once and shared.</summary>
    public Value Constant(TensorData data)
    {
        string key = $"{(int)data.DType}:{string.Join(",", data.Dims)}:{Convert.ToBase64String(data.Bytes)}";
        if (_constantCache.TryGetValue(key, out var cached)) return cached;
        var v = Emit("Constant", [], [(data.DType, data.Shape)], n => n.SetAttribute("value", data), "const")[0];
        v.ConstantData = data;
        _constantCache[key] = v;
        return v;
    }

    public Value Scalar(double value, DType dtype = DType.Float) => Constant(TensorData.Scalar(dtype, value));

    /// <summary>A 1-D int64 constant, as shape, axes and pads inputs want.</summary>
    public Value Ints(params long[] values) => Constant(TensorData.Longs(values, values.Length));

    /// <summary>
    /// Marks a value as a graph output under the given name. A node's output not yet an output is
    /// renamed in place; otherwise (graph inputs, a second name for one value) an Identity is added.
    /// Renaming matters: ORT cannot remove an Identity whose input other nodes also read, and the
    /// copy of every updated parameter cost ~90 ms per ResNet-18 step.
    /// </summary>
    public Value Output(Value value, string? name = null)
    {
        Own(value);
        if (name is not null && name != value.Name)
        {
            Claim(name);
            if (value.Producer is not null && value.Producer.OpType != "Constant" && !_outputs.Contains(value))
                value.Name = name;
            else
            {
                var node = new Node("Identity", name, [value]);
                var renamed = new Value(this, name, value.DType, value.Shape, node);
                node._outputs.Add(renamed);
                _nodes.Add(node);
                value = renamed;
            }
        }
        if (_outputs.Contains(value)) throw new GraphBuildException($"graph '{Name}': '{value.Name}' is already an output");
        _outputs.Add(value);
        return value;
    }

    /// <summary>
    /// Appends a node. Every op helper ends here: it has already checked shapes and passes the
    /// output types; the node and its outputs are named from the scope and the hint.
    /// </summary>
    public Value[] Emit(string opType, Value?[] inputs, (DType DType, Shape Shape)[] outputs, Action<Node>? attributes = null, string? hint = null)
    {
        foreach (var input in inputs) if (input is not null) Own(input);
        string first = Fresh(hint ?? opType.ToLowerInvariant());
        var node = new Node(opType, first, inputs);
        attributes?.Invoke(node);
        for (int i = 0; i < outputs.Length; i++)
        {
            string name = i == 0 ? first : Fresh($"{hint ?? opType.ToLowerInvariant()}.out{i}");
            node._outputs.Add(new Value(this, name, outputs[i].DType, outputs[i].Shape, node));
        }
        _nodes.Add(node);
        return [.. node._outputs];
    }

    private void Own(Value v)
    {
        if (!ReferenceEquals(v.Graph, this))
            throw new GraphBuildException($"value '{v.Name}' belongs to graph '{v.Graph.Name}', not '{Name}'");
    }

    /// <summary>Throws a build error that names the node about to be built and what did not fit.</summary>
    internal GraphBuildException Misfit(string opType, string hint, string what) =>
        new($"{opType} '{Scoped(hint)}': {what}");
}
