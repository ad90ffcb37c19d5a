namespace OnnxMec.Graphs;

/// <summary>
/// Named implementations of one seam (backbones, losses): the built-in ones, plus any registered
/// later (a new architecture, or one a test defines). Lookups name the config field and list what
/// exists when a name is unknown.
/// </summary>
public sealed class Registry<T>(string field, string kind, IEnumerable<KeyValuePair<string, T>> builtIn) where T : class
{
    private readonly Dictionary<string, T> _entries = new(builtIn, StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public IReadOnlyList<string> Names
    {
        get { lock (_gate) return [.. _entries.Keys.Order(StringComparer.Ordinal)]; }
    }

    /// <summary>Adds an implementation under a name not yet taken.</summary>
    public void Register(string name, T implementation)
    {
        lock (_gate)
            if (!_entries.TryAdd(name, implementation)) throw new ArgumentException($"a {kind} named '{name}' is already registered");
    }

    public T? Find(string name)
    {
        lock (_gate) return _entries.GetValueOrDefault(name);
    }

    public T Get(string name) => Find(name) ?? throw new ArgumentException(UnknownMessage(name));

    public string UnknownMessage(string name) => $"{field}: '{name}' is not a known {kind} ({string.Join(", ", Names)})";
}
