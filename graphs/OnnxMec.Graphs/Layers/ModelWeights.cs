using OnnxMec.GraphEngine;

namespace OnnxMec.Graphs;

/// <summary>How BatchNorm layers normalise: with batch statistics (and update the running ones), or with the running ones.</summary>
public enum BnMode
{
    Train,
    Eval,

    /// <summary>As <see cref="Train"/>, but each updated statistic is the batch's own (momentum 1): what BatchNorm recalibration averages.</summary>
    BatchStatistics,
}

/// <summary>
/// The weights a network reads while it is being built: each parameter and BN statistic becomes a
/// graph input named by its torchvision state_dict key (with a prefix such as "target." for a
/// second copy of the network), created on first use, so building the network once also lists its
/// tensors in state_dict order. A network built twice over the same weights (two views) shares the
/// parameters and chains the BN running statistics, as two PyTorch forward passes do.
/// </summary>
public sealed class ModelWeights(GraphBuilder graph, BnMode mode, string prefix = "")
{
    private readonly List<string> _path = [];
    private readonly Dictionary<string, Value> _inputs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Value> _latestStats = new(StringComparer.Ordinal);
    private readonly List<ParameterSpec> _specs = [];

    public GraphBuilder G { get; } = graph;
    public BnMode Mode { get; } = mode;

    /// <summary>Prepended to every key to make the graph input's name ("target.").</summary>
    public string Prefix { get; } = prefix;

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
        var value = G.Input(Prefix + key, DType.Float, Shape.Of(shape));
        _inputs[key] = value;
        _specs.Add(new ParameterSpec(key, shape, role, init, fanIn));
        return value;
    }
}
