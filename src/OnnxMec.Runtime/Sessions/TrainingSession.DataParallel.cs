using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.ML.OnnxRuntime;
using OnnxMec.Contract;

namespace OnnxMec.Runtime;

/// <summary>Where a data-parallel step spent its time: computing, and exchanging with the other processes.</summary>
public sealed class StepTimings
{
    public double ComputeMs { get; set; }
    public double CommunicationMs { get; set; }
}

public sealed partial class TrainingSession
{
    private readonly Dictionary<string, (float[] Data, OrtValue Value)> _dataParallelBuffers = new(StringComparer.Ordinal);

    /// <summary>
    /// One training step of a group of processes, each with its own shard of the global batch, as
    /// the reference code's DistributedDataParallel runs MEC: the forward pass here; the embeddings
    /// all-gathered so the loss is the one over the global batch (λ from the global m, given in the
    /// scalars); its upstream gradient's rows for this process; the backward pass here; the
    /// parameter gradients summed over the group (the gradient of the one global loss); then the
    /// optimizer and EMA updates, identical on every process. BatchNorm normalises with each
    /// process's own batch statistics (DDP without SyncBN); the running statistics are averaged over
    /// the group every step, so the whole state stays identical everywhere. A group of one runs the
    /// fused train_step instead.
    /// </summary>
    public StepMetrics DataParallelStep(float[] view1, float[] view2, int localBatch, IReadOnlyDictionary<string, float> scalars, ICommunicator group, StepTimings? timings = null) =>
        group.Size == 1 ? Step(view1, view2, localBatch, scalars) : SplitStep(view1, view2, localBatch, scalars, group, timings);

    /// <summary>The data-parallel step through its three graphs, whatever the group's size (a group of one checks them against the fused step).</summary>
    internal StepMetrics SplitStep(float[] view1, float[] view2, int localBatch, IReadOnlyDictionary<string, float> scalars, ICommunicator group, StepTimings? timings = null)
    {
        var clock = Stopwatch.StartNew();
        double communication = 0;
        void Exchange(Action action)
        {
            long start = Stopwatch.GetTimestamp();
            action();
            communication += Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        var c = Manifest.Config;
        long[] viewShape = [localBatch, c.Channels, c.ImageSize, c.ImageSize];
        int viewLength = checked((int)viewShape.Aggregate(1L, (a, b) => a * b));
        if (localBatch < 1 || view1.Length < viewLength || view2.Length < viewLength)
            throw new ArgumentException($"views hold {view1.Length} and {view2.Length} values; a batch of {localBatch} needs {viewLength} each");
        using var v1 = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, view1.AsMemory(0, viewLength), viewShape);
        using var v2 = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, view2.AsMemory(0, viewLength), viewShape);
        var saved = new Dictionary<string, OrtValue>(StringComparer.Ordinal);
        try
        {
            var shards = ForwardShards(v1, v2, localBatch, saved);
            GlobalLoss(localBatch, scalars, group, Exchange);
            BackwardFromRows(localBatch, group, saved, shards);
        }
        finally
        {
            foreach (var value in saved.Values) value.Dispose();
        }
        Exchange(() => AllReduceGradients(group));
        Exchange(() => AverageBatchNormStatistics(group));

        OptimizerStep(scalars);
        EmaStep(scalars);
        if (timings is not null)
        {
            timings.CommunicationMs = communication;
            timings.ComputeMs = clock.Elapsed.TotalMilliseconds - communication;
        }
        var lossGraph = Graph(ArtifactNames.DataParallelLoss);
        return new StepMetrics(LossName, lossGraph.Outputs.Where(o => Roles.IsReported(o.Role)).ToDictionary(o => o.Name, o => _scalars[o.Name].Data[0], StringComparer.Ordinal));
    }

    /// <summary>
    /// The forward graph on this process's views: the new BN statistics into the state, the shards
    /// of the embeddings (returned), and what the backward pass reads (into <paramref name="saved"/>,
    /// which the caller disposes).
    /// </summary>
    private Dictionary<string, OrtValue> ForwardShards(OrtValue v1, OrtValue v2, int localBatch, Dictionary<string, OrtValue> saved)
    {
        var forward = Open(ArtifactNames.DataParallelForward);
        var shards = new Dictionary<string, OrtValue>(StringComparer.Ordinal);
        using (var binding = forward.Session.CreateIoBinding())
        {
            foreach (var input in forward.Graph.Inputs)
                binding.BindInput(input.Name, input.Name == ArtifactNames.View1 ? v1 : input.Name == ArtifactNames.View2 ? v2 : StateValue(input.Name));
            foreach (var output in forward.Graph.Outputs)
            {
                if (output.Updates is { } target) binding.BindOutput(output.Name, _state.TryGet(target, out var slot) ? slot.NextValue
                    : throw new InvalidDataException($"graph '{forward.Name}': output '{output.Name}' updates '{target}', which is not a state tensor"));
                else if (output.Role == Roles.Shard) binding.BindOutput(output.Name, shards[output.Name] = Buffer("shard." + output.Name, localBatch, output).Value);
                else binding.BindOutputToDevice(output.Name, OrtMemoryInfo.DefaultInstance);
            }
            forward.Session.RunWithBinding(_run, binding);
            var names = binding.GetOutputNames();
            var values = binding.GetOutputValues();
            for (int i = 0; i < names.Length; i++)
            {
                if (forward.Graph.Outputs.First(o => o.Name == names[i]).Role == Roles.Saved) saved[names[i]] = values[i];
                else values[i].Dispose();
            }
        }
        foreach (var output in forward.Graph.Outputs)
            if (output.Updates is { } target && _state.TryGet(target, out var slot)) slot.Current = 1 - slot.Current;
        return shards;
    }

    /// <summary>The loss over the global batch from the all-gathered shards, and its upstream gradients for every row.</summary>
    private void GlobalLoss(int localBatch, IReadOnlyDictionary<string, float> scalars, ICommunicator group, Action<Action> exchange)
    {
        var loss = Open(ArtifactNames.DataParallelLoss);
        SetScalars(ArtifactNames.DataParallelLoss, scalars);
        int global = checked(localBatch * group.Size);
        using var binding = loss.Session.CreateIoBinding();
        foreach (var input in loss.Graph.Inputs)
        {
            if (input.Role == Roles.Gathered)
            {
                var shard = Buffer("shard." + input.Name, localBatch, input);
                var gathered = Buffer("gathered." + input.Name, global, input);
                exchange(() => group.AllGather(shard.Data, gathered.Data));
                binding.BindInput(input.Name, gathered.Value);
            }
            else if (Roles.IsScalar(input.Role)) binding.BindInput(input.Name, _scalars[input.Name].Value);
            else throw new InvalidDataException($"graph '{loss.Name}': no value for input '{input.Name}' (role {input.Role})");
        }
        foreach (var output in loss.Graph.Outputs)
        {
            if (Roles.IsReported(output.Role)) binding.BindOutput(output.Name, _scalars[output.Name].Value);
            else if (output.Role == Roles.Upstream) binding.BindOutput(output.Name, Buffer("upstream." + output.Name, global, output).Value);
            else throw new InvalidDataException($"graph '{loss.Name}': no place to put output '{output.Name}' (role {output.Role})");
        }
        loss.Session.RunWithBinding(_run, binding);
    }

    /// <summary>The backward graph from this process's rows of the upstream gradients to its parameter gradients.</summary>
    private void BackwardFromRows(int localBatch, ICommunicator group, Dictionary<string, OrtValue> saved, Dictionary<string, OrtValue> shards)
    {
        var backward = Open(ArtifactNames.DataParallelBackward);
        int global = checked(localBatch * group.Size);
        var upstream = new List<OrtValue>();
        try
        {
            using var binding = backward.Session.CreateIoBinding();
            foreach (var input in backward.Graph.Inputs)
            {
                if (input.Role == Roles.Upstream)
                {
                    var all = Buffer("upstream." + input.Name, global, input);
                    int rowLength = all.Data.Length / global;
                    var rows = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
                        all.Data.AsMemory(group.Rank * localBatch * rowLength, localBatch * rowLength), [localBatch, rowLength]);
                    upstream.Add(rows);
                    binding.BindInput(input.Name, rows);
                }
                else if (input.Role == Roles.Saved) binding.BindInput(input.Name, saved.TryGetValue(input.Name, out var value) ? value
                    : shards.TryGetValue(input.Name, out var shard) ? shard
                    : throw new InvalidDataException($"graph '{backward.Name}' reads '{input.Name}', which '{ArtifactNames.DataParallelForward}' does not give"));
                else binding.BindInput(input.Name, StateValue(input.Name));
            }
            foreach (var output in backward.Graph.Outputs) binding.BindOutput(output.Name, Gradient(output.Name));
            backward.Session.RunWithBinding(_run, binding);
        }
        finally
        {
            foreach (var u in upstream) u.Dispose();
        }
    }

    /// <summary>Sums the gradients over the group in one all-reduce of the flat gradient array (staged through the host where they live on a device).</summary>
    private void AllReduceGradients(ICommunicator group)
    {
        var buffer = _gradientBuffer ?? throw new InvalidOperationException("the backward pass has not written the gradients");
        bool staged = _memory is not ManagedTensorMemory;
        if (staged)
            foreach (var (name, (offset, _)) in _gradientSlices!) _memory.Read(_gradients[name]).CopyTo(buffer, offset);
        group.AllReduceSum(buffer);
        if (staged)
            foreach (var (name, (offset, length)) in _gradientSlices!) _memory.Write(buffer[offset..(offset + length)], _gradients[name]);
    }

    /// <summary>The running statistics of every BatchNorm, online and target, averaged over the group in one exchange.</summary>
    private void AverageBatchNormStatistics(ICommunicator group)
    {
        var stats = _state.Slots.Where(s => s.Role is Roles.BnStat or Roles.TargetBnStat).Select(s => (Slot: s, Data: _memory.Read(s.CurrentValue))).ToList();
        var flat = new float[stats.Sum(s => s.Data.Length)];
        int offset = 0;
        foreach (var (_, data) in stats) { data.CopyTo(flat, offset); offset += data.Length; }
        group.AllReduceSum(flat);
        float scale = 1f / group.Size;
        offset = 0;
        foreach (var (slot, data) in stats)
        {
            for (int i = 0; i < data.Length; i++) data[i] = flat[offset + i] * scale;
            _memory.Write(data, slot.CurrentValue);
            offset += data.Length;
        }
    }

    /// <summary>The gathered global batch of an embedding after a split step (what the loss read).</summary>
    internal float[] Gathered(string name, int rows) =>
        _dataParallelBuffers.TryGetValue($"gathered.{name}@{rows}", out var b) ? b.Data : throw new KeyNotFoundException($"no gathered '{name}' of {rows} rows");

    /// <summary>A host buffer for a [rows, …] value of a data-parallel graph, made once per size.</summary>
    private (float[] Data, OrtValue Value) Buffer(string key, int rows, ManifestValue value)
    {
        long[] shape = [rows, .. value.Shape.Skip(1).Select(d => long.Parse(d, System.Globalization.CultureInfo.InvariantCulture))];
        string sized = $"{key}@{rows}";
        if (_dataParallelBuffers.TryGetValue(sized, out var existing)) return existing;
        var data = GC.AllocateArray<float>(checked((int)shape.Aggregate(1L, (a, b) => a * b)), pinned: true);
        var created = (data, OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, data.AsMemory(), shape));
        _dataParallelBuffers[sized] = created;
        return created;
    }

    /// <summary>A 64-bit digest of the whole state (SHA-256 of every tensor's bytes, in manifest order): equal on every process while they agree.</summary>
    public long StateChecksum()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var slot in _state.Slots) hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_memory.Read(slot.CurrentValue).AsSpan()));
        return BitConverter.ToInt64(hash.GetHashAndReset(), 0);
    }

    /// <summary>Makes every process's state rank 0's (the start of a run, or a resumed checkpoint only rank 0 has read).</summary>
    public void BroadcastState(ICommunicator group)
    {
        if (group.Size == 1) return;
        foreach (var slot in _state.Slots)
        {
            var data = _memory.Read(slot.CurrentValue);
            group.Broadcast(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()));
            _memory.Write(data, slot.CurrentValue);
        }
    }
}
