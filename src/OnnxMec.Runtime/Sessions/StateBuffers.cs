using Microsoft.ML.OnnxRuntime;
using OnnxMec.Contract;

namespace OnnxMec.Runtime;

/// <summary>
/// The training state, double-buffered: each tensor has two OrtValues in one <see cref="TensorMemory"/>.
/// A graph reads a tensor's current buffer and writes its update into the other one, which then
/// becomes current, so a step moves no tensor through the host; only loading a state and taking a
/// copy of it (checkpoints, weights, export) copy between the host and the memory.
/// </summary>
internal sealed class StateBuffers : IDisposable
{
    internal sealed class Slot(string name, string role, long[] shape, OrtValue first, OrtValue second)
    {
        private readonly OrtValue[] _values = [first, second];

        public string Name { get; } = name;
        public string Role { get; } = role;
        public long[] Shape { get; } = shape;
        public int Current { get; set; }

        public OrtValue CurrentValue => _values[Current];
        public OrtValue NextValue => _values[1 - Current];
        public IReadOnlyList<OrtValue> Values => _values;
    }

    private readonly TensorMemory _memory;
    private readonly List<Slot> _slots = [];
    private readonly Dictionary<string, Slot> _byName = new(StringComparer.Ordinal);

    public StateBuffers(Manifest manifest, TensorMemory memory)
    {
        _memory = memory;
        try
        {
            foreach (var t in manifest.Tensors)
            {
                var first = memory.Allocate(t.Shape);
                OrtValue second;
                try { second = memory.Allocate(t.Shape); }
                catch { first.Dispose(); throw; }
                var slot = new Slot(t.Name, t.Role, t.Shape, first, second);
                _slots.Add(slot);
                _byName[t.Name] = slot;
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public IReadOnlyList<Slot> Slots => _slots;

    public bool TryGet(string name, out Slot slot) => _byName.TryGetValue(name, out slot!);

    /// <summary>The parity every slot shares, or null when graphs have left them at different buffers.</summary>
    public int? CommonParity => _slots.All(s => s.Current == _slots[0].Current) ? _slots[0].Current : null;

    /// <summary>Copies a full state (manifest order and shapes, checked) into the current buffers.</summary>
    public void Load(IReadOnlyList<NamedTensor> tensors, string source)
    {
        var byName = new Dictionary<string, NamedTensor>(StringComparer.Ordinal);
        foreach (var t in tensors)
            if (!byName.TryAdd(t.Name, t)) throw new InvalidDataException($"{source}: tensor '{t.Name}' appears twice");
        var problems = new List<string>();
        foreach (var slot in _slots)
        {
            if (!byName.TryGetValue(slot.Name, out var t)) { problems.Add($"'{slot.Name}' is missing (expected F32 [{string.Join(",", slot.Shape)}])"); continue; }
            if (t.DType != "F32") { problems.Add($"'{slot.Name}' is {t.DType}, expected F32"); continue; }
            if (!t.Shape.SequenceEqual(slot.Shape)) { problems.Add($"'{slot.Name}' has shape [{string.Join(",", t.Shape)}], expected [{string.Join(",", slot.Shape)}]"); continue; }
            if (t.FirstNonFinite() is >= 0 and var bad) problems.Add($"'{slot.Name}' holds {t.AsFloat32()[bad]} at element {bad}: the weights are broken (a diverged run?)");
        }
        if (problems.Count > 0) throw new InvalidDataException(Problems.Join($"{source} does not fit the artifact set", problems));
        foreach (var slot in _slots)
            _memory.Write(byName[slot.Name].AsFloat32(), slot.CurrentValue);
    }

    /// <summary>A host copy of the current state (or of the slots that match), manifest order.</summary>
    public IReadOnlyList<NamedTensor> Snapshot(Func<Slot, bool>? which = null) =>
        _slots.Where(which ?? (_ => true)).Select(s => NamedTensor.Float32(s.Name, s.Shape, _memory.Read(s.CurrentValue))).ToList();

    public void Dispose()
    {
        foreach (var slot in _slots)
            foreach (var v in slot.Values) v.Dispose();
    }
}
