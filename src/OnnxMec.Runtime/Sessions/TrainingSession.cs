using Microsoft.ML.OnnxRuntime;
using OnnxMec.Contract;

namespace OnnxMec.Runtime;

/// <summary>
/// Trains with an artifact set through plain ONNX Runtime sessions. Shaped like ORT's deprecated
/// training API: <see cref="TrainStep"/> (forward and backward), <see cref="OptimizerStep"/>,
/// <see cref="EmaStep"/>, the fused <see cref="Step"/>, <see cref="Eval"/>, and
/// <see cref="ExportModelForInferencing"/>. Everything is bound by the roles the manifest declares:
/// state tensors, runtime scalars (values by name, from the caller's schedules), reported metrics,
/// gradients and updates, so a loss with new scalars or metrics runs unchanged. All state
/// (parameters, target, momenta, BN statistics) and the split graphs' gradients stay in
/// double-buffered OrtValues in the factory's <see cref="StateMemory"/> (device memory on CUDA), and
/// the host sees them only through copies (<see cref="GetState"/>, <see cref="OnlineWeights"/>);
/// runtime scalars and reported metrics are single host floats, copied by ORT with each run. The
/// fused step reuses two prebuilt IO bindings, one per buffer parity. Graphs are opened on first use.
/// </summary>
public sealed partial class TrainingSession : IDisposable
{
    private readonly ArtifactSetFolder _set;
    private readonly SessionFactory _factory;
    private readonly TensorMemory _memory;
    private readonly StateBuffers _state;
    private readonly Dictionary<string, GraphSession> _graphs = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Graph, int Parity), OrtIoBinding> _bindings = [];
    private readonly Dictionary<string, (float[] Data, OrtValue Value)> _scalars = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OrtValue> _gradients = new(StringComparer.Ordinal);
    private float[]? _gradientBuffer;
    private Dictionary<string, (int Offset, int Length)>? _gradientSlices;
    private readonly RunOptions _run = new();

    private TrainingSession(ArtifactSetFolder set, SessionFactory factory)
    {
        _set = set;
        _factory = factory;
        _memory = TensorMemory.For(factory);
        try
        {
            _state = new StateBuffers(set.Manifest, _memory);
        }
        catch
        {
            _memory.Dispose();
            _run.Dispose();
            throw;
        }
        foreach (var value in set.Manifest.Graphs.Values.SelectMany(g => g.Inputs.Where(i => Roles.IsScalar(i.Role)).Concat(g.Outputs.Where(o => Roles.IsReported(o.Role)))))
            if (!_scalars.ContainsKey(value.Name))
            {
                var data = new float[1];
                _scalars[value.Name] = (data, OrtValue.CreateTensorValueFromMemory(data, []));
            }
        var loss = set.Manifest.Graphs.Values.SelectMany(g => g.Outputs).FirstOrDefault(o => o.Role == Roles.Loss)
            ?? throw new InvalidDataException($"artifact set '{set.Manifest.Name}': no graph output has the role '{Roles.Loss}'");
        LossName = loss.Name;
    }

    /// <summary>
    /// Opens a session at the start of training: the online weights given (e.g. imported from a
    /// torchvision safetensors file) or the set's own, the target as their copy, zero momenta.
    /// </summary>
    public static TrainingSession Create(ArtifactSetFolder set, SessionFactory factory, IReadOnlyList<NamedTensor>? onlineWeights = null, string source = "initial weights")
    {
        var session = new TrainingSession(set, factory);
        try
        {
            session._state.Load(InitialState.Complete(set.Manifest, onlineWeights ?? set.InitialOnlineWeights(), source), source);
            return session;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    public Manifest Manifest => _set.Manifest;
    public ArtifactSetFolder ArtifactSet => _set;
    public DeviceKind Device => _factory.Device;

    /// <summary>Where the state lives.</summary>
    public StateMemory StateMemory => _factory.StateMemory;

    /// <summary>The name of the output with the role loss.</summary>
    public string LossName { get; }

    /// <summary>The runtime scalars a graph reads (their values must be given each step).</summary>
    public IReadOnlyList<ManifestValue> ScalarInputs(string graph = ArtifactNames.TrainStep) =>
        Graph(graph).Inputs.Where(i => Roles.IsScalar(i.Role)).ToList();

    /// <summary>Forward and backward through training_model.onnx: gradients are kept for <see cref="OptimizerStep"/>, BN statistics updated.</summary>
    public StepMetrics TrainStep(float[] view1, float[] view2, int batch, IReadOnlyDictionary<string, float> scalars) =>
        RunWithViews(ArtifactNames.TrainingModel, view1, view2, batch, scalars);

    /// <summary>One optimizer update from the gradients of the last <see cref="TrainStep"/>.</summary>
    public void OptimizerStep(IReadOnlyDictionary<string, float> scalars)
    {
        if (_gradients.Count == 0) throw new InvalidOperationException("OptimizerStep needs the gradients of a TrainStep first");
        SetScalars(ArtifactNames.OptimizerModel, scalars);
        Run(ArtifactNames.OptimizerModel);
    }

    /// <summary>The target update t ← m·t + (1 − m)·o.</summary>
    public void EmaStep(IReadOnlyDictionary<string, float> scalars)
    {
        SetScalars(ArtifactNames.EmaModel, scalars);
        Run(ArtifactNames.EmaModel);
    }

    /// <summary>The fused train_step.onnx: forward, backward, optimizer and EMA in one run.</summary>
    public StepMetrics Step(float[] view1, float[] view2, int batch, IReadOnlyDictionary<string, float> scalars) =>
        RunWithViews(ArtifactNames.TrainStep, view1, view2, batch, scalars);

    /// <summary>Backbone features and projector embeddings of a batch through eval_model.onnx (eval-mode BN, online weights).</summary>
    public EvalOutputs Eval(float[] images, int batch)
    {
        var graph = Open(ArtifactNames.EvalModel);
        var c = Manifest.Config;
        using var imageValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, images.AsMemory(0, checked(batch * c.Channels * c.ImageSize * c.ImageSize)),
            [batch, c.Channels, c.ImageSize, c.ImageSize]);
        var names = graph.Graph.Inputs.Select(i => i.Name).ToArray();
        var values = graph.Graph.Inputs.Select(i => i.Role == Roles.Data ? imageValue : StateValue(i.Name)).ToArray();
        string features = Output(graph, Roles.Feature), embedding = Output(graph, Roles.Embedding);
        using var outputs = graph.Session.Run(_run, names, values, [features, embedding]);
        var f = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        var e = outputs[1].GetTensorDataAsSpan<float>().ToArray();
        return new EvalOutputs(f, f.Length / batch, e, e.Length / batch);
    }

    /// <summary>A copy of the whole state in manifest order, for a checkpoint.</summary>
    public IReadOnlyList<NamedTensor> GetState() => _state.Snapshot();

    /// <summary>Replaces the whole state (from a checkpoint); names, shapes and dtypes are checked against the manifest.</summary>
    public void SetState(IReadOnlyList<NamedTensor> state, string source) => _state.Load(state, source);

    /// <summary>The online network's parameters and BN statistics (torchvision names).</summary>
    public IReadOnlyList<NamedTensor> OnlineWeights() => _state.Snapshot(s => Roles.IsOnline(s.Role));

    /// <summary>Writes the trained encoder as a standalone inference model (see <see cref="EncoderExport"/>).</summary>
    public void ExportModelForInferencing(string path, bool withProjector = false, bool foldBatchNorm = false, IReadOnlyDictionary<string, string>? metadata = null) =>
        EncoderExport.Write(path, _set, OnlineWeights(), new ExportOptions(withProjector, foldBatchNorm, metadata ?? new Dictionary<string, string>()));

    private ManifestGraph Graph(string name) => Manifest.Graphs.TryGetValue(name, out var g) ? g
        : throw new InvalidDataException($"artifact set '{Manifest.Name}' has no graph '{name}'");

    private static string Output(GraphSession graph, string role) =>
        graph.Graph.Outputs.FirstOrDefault(o => o.Role == role)?.Name
        ?? throw new InvalidDataException($"graph '{graph.Name}' has no output with the role '{role}'");

    private OrtValue StateValue(string name) => _state.TryGet(name, out var slot)
        ? slot.CurrentValue
        : throw new InvalidDataException($"the manifest of '{Manifest.Name}' has no state tensor '{name}'");

    private GraphSession Open(string name)
    {
        if (_graphs.TryGetValue(name, out var open)) return open;
        string path = _set.GraphPath(name);
        var graph = new GraphSession(name, Graph(name), _factory.Open(path), path);
        _graphs[name] = graph;
        return graph;
    }

    /// <summary>Copies the caller's value of every scalar the graph reads into its bound buffer; a missing one is an error naming it.</summary>
    private void SetScalars(string graphName, IReadOnlyDictionary<string, float> scalars)
    {
        foreach (var input in Open(graphName).Graph.Inputs)
        {
            if (!Roles.IsScalar(input.Role)) continue;
            if (!scalars.TryGetValue(input.Name, out float value))
                throw new ArgumentException($"graph '{graphName}' of '{Manifest.Name}' reads the runtime scalar '{input.Name}' ({input.Role}), and no value was given for it");
            _scalars[input.Name].Data[0] = value;
        }
    }

    private StepMetrics RunWithViews(string graphName, float[] view1, float[] view2, int batch, IReadOnlyDictionary<string, float> scalars)
    {
        var c = Manifest.Config;
        long[] shape = [batch, c.Channels, c.ImageSize, c.ImageSize];
        long expected = shape.Aggregate(1L, (a, b) => a * b);
        if (batch < 1 || view1.Length < expected || view2.Length < expected)
            throw new ArgumentException($"views hold {view1.Length} and {view2.Length} values; a batch of {batch} needs {expected} each ([{string.Join(",", shape)}])");
        SetScalars(graphName, scalars);
        using var v1 = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, view1.AsMemory(0, (int)expected), shape);
        using var v2 = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, view2.AsMemory(0, (int)expected), shape);
        var graph = Run(graphName, binding =>
        {
            binding.BindInput(ArtifactNames.View1, v1);
            binding.BindInput(ArtifactNames.View2, v2);
        });
        return new StepMetrics(LossName, graph.Graph.Outputs.Where(o => Roles.IsReported(o.Role))
            .ToDictionary(o => o.Name, o => _scalars[o.Name].Data[0], StringComparer.Ordinal));
    }

    /// <summary>
    /// Runs a graph with every state input bound to its current buffer and every update output to
    /// the other one, then makes the updated buffers current. Where all state shares a parity the
    /// binding is built once per parity and reused.
    /// </summary>
    private GraphSession Run(string graphName, Action<OrtIoBinding>? bindData = null)
    {
        var graph = Open(graphName);
        int? parity = _state.CommonParity;
        OrtIoBinding? binding = null;
        if (parity is { } p && !_bindings.TryGetValue((graphName, p), out binding))
        {
            binding = Bind(graph);
            _bindings[(graphName, p)] = binding;
        }
        binding ??= Bind(graph);
        try
        {
            bindData?.Invoke(binding);
            graph.Session.RunWithBinding(_run, binding);
        }
        finally
        {
            if (parity is null) binding.Dispose();
        }
        foreach (var output in graph.Graph.Outputs)
            if (output.Updates is { } target && _state.TryGet(target, out var slot)) slot.Current = 1 - slot.Current;
        return graph;
    }

    private OrtIoBinding Bind(GraphSession graph)
    {
        var binding = graph.Session.CreateIoBinding();
        foreach (var input in graph.Graph.Inputs)
        {
            if (input.Role == Roles.Data) continue;
            if (Roles.IsScalar(input.Role)) binding.BindInput(input.Name, _scalars[input.Name].Value);
            else if (input.Role == Roles.Gradient) binding.BindInput(input.Name, Gradient(input.Name));
            else binding.BindInput(input.Name, StateValue(input.Name));
        }
        foreach (var output in graph.Graph.Outputs)
        {
            if (output.Updates is { } target) binding.BindOutput(output.Name, _state.TryGet(target, out var slot)
                ? slot.NextValue
                : throw new InvalidDataException($"graph '{graph.Name}': output '{output.Name}' updates '{target}', which is not a state tensor"));
            else if (output.Role == Roles.Gradient) binding.BindOutput(output.Name, Gradient(output.Name));
            else if (Roles.IsReported(output.Role)) binding.BindOutput(output.Name, _scalars[output.Name].Value);
            else throw new InvalidDataException($"graph '{graph.Name}': no place to put output '{output.Name}' (role {output.Role})");
        }
        return binding;
    }

    /// <summary>
    /// The buffer of a parameter's gradient ("grad." + its name). Every gradient has its place in
    /// one flat host array, so that combining them across processes is one all-reduce: in managed
    /// memory the gradients are slices of it; in device memory they are the memory's own tensors,
    /// staged through it only when a group exchanges them.
    /// </summary>
    private OrtValue Gradient(string name)
    {
        if (_gradients.TryGetValue(name, out var existing)) return existing;
        if (_gradientSlices is null)
        {
            _gradientSlices = new Dictionary<string, (int, int)>(StringComparer.Ordinal);
            int offset = 0;
            foreach (var slot in _state.Slots.Where(s => s.Role == Roles.Param))
            {
                int length = checked((int)slot.Shape.Aggregate(1L, (a, b) => a * b));
                _gradientSlices[ArtifactNames.GradPrefix + slot.Name] = (offset, length);
                offset = checked(offset + length);
            }
            _gradientBuffer = GC.AllocateArray<float>(offset, pinned: true);
        }
        if (!_gradientSlices.TryGetValue(name, out var slice) || !_state.TryGet(name[ArtifactNames.GradPrefix.Length..], out var param))
            throw new InvalidDataException($"gradient '{name}' is not the gradient of a parameter of '{Manifest.Name}'");
        var value = _memory is ManagedTensorMemory
            ? OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _gradientBuffer!.AsMemory(slice.Offset, slice.Length), param.Shape)
            : _memory.Allocate(param.Shape);
        _gradients[name] = value;
        return value;
    }

    public void Dispose()
    {
        foreach (var b in _bindings.Values) b.Dispose();
        foreach (var g in _graphs.Values) g.Dispose();
        foreach (var (_, v) in _scalars.Values) v.Dispose();
        foreach (var v in _gradients.Values) v.Dispose();
        foreach (var v in _dataParallelBuffers.Values) v.Value.Dispose();
        _state.Dispose();
        _memory.Dispose();
        _run.Dispose();
    }
}
