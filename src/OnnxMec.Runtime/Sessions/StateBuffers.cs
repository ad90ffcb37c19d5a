using Microsoft.ML.OnnxRuntime;
using OnnxMec.Contract;

namespace OnnxMec.Runtime;

/// <summary>
/// The training state, double-buffered: each tensor has two pinned buffers wrapped once as
/// OrtValues. A graph reads a tensor's current buffer and writes its update into the other one,
/// which then becomes current, so a step moves no tensor through managed code.
/// </summary>
internal sealed class StateBuffers : IDisposable
{
    internal sealed class Slot(string name, string role, long[] shape)
    {
        public string Name { get; } = name;
        public string Role { get; } = role;
        public long[] Shape { get; } = shape;
        public float[][] Data { get; } = [new float[shape.Aggregate(1L, (a, b) => a * b)], new float[shape.Aggregate(1L, (a, b) => a * b)]];
        public OrtValue[] Values { get; } = new OrtValue[2];
        public int Current { get; set; }

        public OrtValue CurrentValue => Values[Current];
        public OrtValue NextValue => Values[1 - Current];
        public float[] CurrentData => Data[Current];
    }

    private readonly List<Slot> _slots = [];
    private readonly Dictionary<string, Slot> _byName = new(StringComparer.Ordinal);

    public StateBuffers(Manifest manifest)
    {
        foreach (var t in manifest.Tensors)
        {
            var slot = new Slot(t.Name, t.Role, t.Shape);
            slot.Values[0] = OrtValue.CreateTensorValueFromMemory(slot.Data[0], t.Shape);
            slot.Values[1] = OrtValue.CreateTensorValueFromMemory(slot.Data[1], t.Shape);
            _slots.Add(slot);
            _byName[t.Name] = slot;
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
        {
            byName[slot.Name].AsFloat32().CopyTo(slot.CurrentData, 0);
        }
    }

    /// <summary>A copy of the current state, manifest order.</summary>
    public IReadOnlyList<NamedTensor> Snapshot() =>
        _slots.Select(s => NamedTensor.Float32(s.Name, s.Shape, s.CurrentData)).ToList();

    public void Dispose()
    {
        foreach (var slot in _slots)
            foreach (var v in slot.Values) v?.Dispose();
    }
}
