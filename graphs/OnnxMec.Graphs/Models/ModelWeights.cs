namespace OnnxMec.Graphs;

/// <summary>How BatchNorm layers normalise: with batch statistics (and update the running ones), or with the running ones.</summary>
public enum BnMode
{
    Train,
    Eval,
}

/// <summary>
/// The weights a network reads while it is being built: each parameter and BN statistic becomes a
/// graph input named by its torchvision state_dict key (with a prefix such as "target." for a
/// second copy of the network), created on first use, so building the network once also lists its
/// tensors in state_dict order. A network built twice over the same weights (two views) shares the
/// parameters and chains the BN running statistics, as two PyTorch forward passes do.
/// </summary>
public sealed class ModelWeights
{
    private readonly List<string> _path = [];
    private readonly Dictionary<string, Value> _inputs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Value> _latestStats = new(StringComparer.Ordinal);
    private readonly List<ParameterSpec> _specs = [];

    private readonly IReadOnlyDictionary<string, float[]>? _values;

    public ModelWeights(GraphBuilder graph, BnMode mode, string prefix = "")
    {
        G = graph;
        Mode = mode;
        Prefix = prefix;
    }

    /// <summary>
    /// Weights with known values, written into the graph as initializers: a standalone inference
    /// model (eval-mode BN). With <paramref name="foldBatchNorm"/>, conv/linear-BN pairs become one
    /// conv/linear with folded weights and bias.
    /// </summary>
    public ModelWeights(GraphBuilder graph, IReadOnlyDictionary<string, float[]> values, bool foldBatchNorm = false)
        : this(graph, BnMode.Eval)
    {
        _values = values;
        FoldBatchNorm = foldBatchNorm;
    }

    /// <summary>Conv/linear layers followed by BN are emitted as one layer with folded weights (inference export only).</summary>
    public bool FoldBatchNorm { get; }

    public GraphBuilder G { get; }
    public BnMode Mode { get; }

    /// <summary>Prepended to every key to make the graph input's name ("target.").</summary>
    public string Prefix { get; }

    /// <summary>Every tensor read so far, in first-use (state_dict) order; names without the prefix.</summary>
    public IReadOnlyList<ParameterSpec> Specs => _specs;

    /// <summary>Enters a submodule: its name joins the state_dict key and the graph's name scope.</summary>
    public IDisposable Module(string name)
    {
        _path.Add(name);
        var scope = G.Scope(name);
        return new Exit(() =>
        {
            scope.Dispose();
            _path.RemoveAt(_path.Count - 1);
        });
    }

    private sealed class Exit(Action action) : IDisposable
    {
        private Action? _action = action;
        public void Dispose() { _action?.Invoke(); _action = null; }
    }

    /// <summary>The state_dict key of a tensor of the current module.</summary>
    public string Key(string local) => _path.Count == 0 ? local : string.Join(".", _path) + "." + local;

    /// <summary>The graph input of a trainable parameter of the current module.</summary>
    public Value Param(string local, long[] shape, string init, long fanIn = 0) => Get(Key(local), shape, TensorRole.Param, init, fanIn);

    /// <summary>The current value of a BN running statistic: the input, or the latest update in this graph.</summary>
    public Value Stat(string local, long[] shape, string init)
    {
        string key = Key(local);
        return _latestStats.TryGetValue(key, out var latest) ? latest : Get(key, shape, TensorRole.BnStat, init, 0);
    }

    public void UpdateStat(string local, Value updated) => _latestStats[Key(local)] = updated;

    /// <summary>The known value of a tensor of the current module (weights given at construction).</summary>
    public float[] ValueOf(string local)
    {
        string key = Key(local);
        if (_values is null) throw new InvalidOperationException("these weights have no values: they are graph inputs");
        return _values.TryGetValue(key, out var v) ? v : throw new GraphBuildException($"no value for weight '{key}'");
    }

    /// <summary>A computed constant tensor (a folded weight) named by its key in the current module.</summary>
    public Value Folded(string local, long[] shape, float[] data)
    {
        string key = Key(local);
        var value = G.Initializer(Prefix + key, TensorData.Floats(data, shape));
        _inputs[key] = value;
        return value;
    }

    /// <summary>The graph input for a key (without prefix); it must have been read while building.</summary>
    public Value Input(string key) => _inputs[key];

    /// <summary>The final value of each BN statistic this graph updated, by key.</summary>
    public IReadOnlyDictionary<string, Value> UpdatedStats => _latestStats;

    private Value Get(string key, long[] shape, TensorRole role, string init, long fanIn)
    {
        if (_inputs.TryGetValue(key, out var existing))
        {
            if (!existing.Shape.Equals(Shape.Of(shape)))
                throw new GraphBuildException($"'{Prefix}{key}' is read as {Shape.Of(shape)} but was created as {existing.Shape}");
            return existing;
        }
        Value value;
        if (_values is null) value = G.Input(Prefix + key, DType.Float, Shape.Of(shape));
        else
        {
            if (!_values.TryGetValue(key, out var data)) throw new GraphBuildException($"no value for weight '{key}' (expected [{string.Join(",", shape)}])");
            if (data.LongLength != shape.Aggregate(1L, (a, b) => a * b))
                throw new GraphBuildException($"weight '{key}' has {data.LongLength} values, expected [{string.Join(",", shape)}]");
            value = G.Initializer(Prefix + key, TensorData.Floats(data, shape));
        }
        _inputs[key] = value;
        _specs.Add(new ParameterSpec(key, shape, role, init, fanIn));
        return value;
    }
}
