using Microsoft.ML.OnnxRuntime;
using OnnxMec.Formats;
using OnnxMec.Graphs;

namespace OnnxMec.Runtime;

/// <summary>
/// Trains with an artifact set through plain ONNX Runtime sessions. Shaped like ORT's deprecated
/// training API: <see cref="TrainStep"/> (forward and backward), <see cref="OptimizerStep"/>,
/// <see cref="EmaStep"/>, the fused <see cref="Step"/>, <see cref="Eval"/>, and
/// <see cref="ExportModelForInferencing"/>. All state (parameters, target, momenta, BN statistics)
/// stays in double-buffered OrtValues; the fused step reuses two prebuilt IO bindings, one per
/// buffer parity. Graphs are opened on first use, so a run of fused steps never loads the others.
/// </summary>
public sealed class MecTrainingSession : IDisposable
{
    private readonly ArtifactSetFolder _set;
    private readonly SessionFactory _factory;
    private readonly StateBuffers _state;
    private readonly Dictionary<string, GraphSession> _graphs = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Graph, int Parity), OrtIoBinding> _bindings = [];
    private readonly Dictionary<string, (float[] Data, OrtValue Value)> _scalars = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (float[] Data, OrtValue Value)> _gradients = new(StringComparer.Ordinal);
    private readonly RunOptions _run = new();

    private MecTrainingSession(ArtifactSetFolder set, SessionFactory factory)
    {
        _set = set;
        _factory = factory;
        _state = new StateBuffers(set.Manifest);
        foreach (var name in new[] { ArtifactNames.Lr, ArtifactNames.LambdaInv, ArtifactNames.EmaMomentum, ArtifactNames.Loss,
                     ArtifactNames.CodingLength, ArtifactNames.PositiveCosine, ArtifactNames.SpectralNorm })
        {
            var data = new float[1];
            _scalars[name] = (data, OrtValue.CreateTensorValueFromMemory(data, []));
        }
    }

    /// <summary>
    /// Opens a session at the start of training: the online weights given (e.g. imported from a
    /// torchvision safetensors file) or the set's own, the target as their copy, zero momenta.
    /// </summary>
    public static MecTrainingSession Create(ArtifactSetFolder set, SessionFactory factory, IReadOnlyList<NamedTensor>? onlineWeights = null, string source = "initial weights")
    {
        var session = new MecTrainingSession(set, factory);
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
    public DeviceKind Device => _factory.Device;

    /// <summary>Forward and backward through training_model.onnx: gradients are kept for <see cref="OptimizerStep"/>, BN statistics updated.</summary>
    public StepMetrics TrainStep(float[] view1, float[] view2, int batch, float lambdaInv)
    {
        _scalars[ArtifactNames.LambdaInv].Data[0] = lambdaInv;
        return RunWithViews("training_model", view1, view2, batch);
    }

    /// <summary>One optimizer update from the gradients of the last <see cref="TrainStep"/>.</summary>
    public void OptimizerStep(float learningRate)
    {
        if (_gradients.Count == 0) throw new InvalidOperationException("OptimizerStep needs the gradients of a TrainStep first");
        _scalars[ArtifactNames.Lr].Data[0] = learningRate;
        Run("optimizer_model");
    }

    /// <summary>The target update t ← m·t + (1 − m)·o.</summary>
    public void EmaStep(float momentum)
    {
        _scalars[ArtifactNames.EmaMomentum].Data[0] = momentum;
        Run("ema_model");
    }

    /// <summary>The fused train_step.onnx: forward, backward, optimizer and EMA in one run.</summary>
    public StepMetrics Step(float[] view1, float[] view2, int batch, StepScalars scalars)
    {
        _scalars[ArtifactNames.Lr].Data[0] = scalars.LearningRate;
        _scalars[ArtifactNames.LambdaInv].Data[0] = scalars.LambdaInv;
        _scalars[ArtifactNames.EmaMomentum].Data[0] = scalars.EmaMomentum;
        return RunWithViews("train_step", view1, view2, batch);
    }

    /// <summary>Backbone features and projector embeddings of a batch through eval_model.onnx (eval-mode BN, online weights).</summary>
    public EvalOutputs Eval(float[] images, int batch)
    {
        var graph = Open("eval_model");
        var c = Manifest.Config;
        using var imageValue = OrtValue.CreateTensorValueFromMemory(images, [batch, c.Channels, c.ImageSize, c.ImageSize]);
        var names = graph.Graph.Inputs.Select(i => i.Name).ToArray();
        var values = graph.Graph.Inputs.Select(i => i.Role == Roles.Data ? imageValue : StateValue(i.Name)).ToArray();
        using var outputs = graph.Session.Run(_run, names, values, [ArtifactNames.Features, ArtifactNames.Embedding]);
        var features = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        var embeddings = outputs[1].GetTensorDataAsSpan<float>().ToArray();
        return new EvalOutputs(features, features.Length / batch, embeddings, embeddings.Length / batch);
    }

    /// <summary>A copy of the whole state in manifest order, for a checkpoint.</summary>
    public IReadOnlyList<NamedTensor> GetState() => _state.Snapshot();

    /// <summary>Replaces the whole state (from a checkpoint); names, shapes and dtypes are checked against the manifest.</summary>
    public void SetState(IReadOnlyList<NamedTensor> state, string source) => _state.Load(state, source);

    /// <summary>The online network's parameters and BN statistics (torchvision names).</summary>
    public IReadOnlyList<NamedTensor> OnlineWeights() =>
        _state.Slots.Where(s => s.Role is Roles.Param or Roles.BnStat).Select(s => NamedTensor.Float32(s.Name, s.Shape, s.CurrentData)).ToList();

    /// <summary>Writes the trained encoder as a standalone inference model (see <see cref="EncoderExport"/>).</summary>
    public void ExportModelForInferencing(string path, bool withProjector = false, bool foldBatchNorm = false) =>
        EncoderExport.Write(path, Manifest.Config, OnlineWeights().ToDictionary(t => t.Name, t => t.AsFloat32(), StringComparer.Ordinal),
            withProjector, foldBatchNorm, $"artifact set '{Manifest.Name}'");

    private OrtValue StateValue(string name) => _state.TryGet(name, out var slot)
        ? slot.CurrentValue
        : throw new InvalidDataException($"the manifest of '{Manifest.Name}' has no state tensor '{name}'");

    private GraphSession Open(string name)
    {
        if (_graphs.TryGetValue(name, out var open)) return open;
        string path = _set.GraphPath(name);
        var graph = new GraphSession(name, Manifest.Graphs[name], _factory.Open(path), path);
        _graphs[name] = graph;
        return graph;
    }

    private StepMetrics RunWithViews(string graphName, float[] view1, float[] view2, int batch)
    {
        var c = Manifest.Config;
        long[] shape = [batch, c.Channels, c.ImageSize, c.ImageSize];
        long expected = shape.Aggregate(1L, (a, b) => a * b);
        if (view1.Length < expected || view2.Length < expected)
            throw new ArgumentException($"views hold {view1.Length} and {view2.Length} values; a batch of {batch} needs {expected} each ([{string.Join(",", shape)}])");
        using var v1 = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, view1.AsMemory(0, (int)expected), shape);
        using var v2 = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, view2.AsMemory(0, (int)expected), shape);
        Run(graphName, binding =>
        {
            binding.BindInput(ArtifactNames.View1, v1);
            binding.BindInput(ArtifactNames.View2, v2);
        });
        return new StepMetrics(_scalars[ArtifactNames.Loss].Data[0], _scalars[ArtifactNames.CodingLength].Data[0],
            _scalars[ArtifactNames.PositiveCosine].Data[0], _scalars[ArtifactNames.SpectralNorm].Data[0]);
    }

    /// <summary>
    /// Runs a graph with every state input bound to its current buffer and every update output to
    /// the other one, then makes the updated buffers current. Where all state shares a parity the
    /// binding is built once per parity and reused.
    /// </summary>
    private void Run(string graphName, Action<OrtIoBinding>? bindData = null)
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
    }

    private OrtIoBinding Bind(GraphSession graph)
    {
        var binding = graph.Session.CreateIoBinding();
        foreach (var input in graph.Graph.Inputs)
        {
            if (input.Role == Roles.Data) continue;
            if (_scalars.TryGetValue(input.Name, out var scalar)) binding.BindInput(input.Name, scalar.Value);
            else if (input.Role == Roles.Gradient) binding.BindInput(input.Name, Gradient(input.Name).Value);
            else binding.BindInput(input.Name, StateValue(input.Name));
        }
        foreach (var output in graph.Graph.Outputs)
        {
            if (output.Updates is { } target) binding.BindOutput(output.Name, _state.TryGet(target, out var slot)
                ? slot.NextValue
                : throw new InvalidDataException($"graph '{graph.Name}': output '{output.Name}' updates '{target}', which is not a state tensor"));
            else if (output.Role == Roles.Gradient) binding.BindOutput(output.Name, Gradient(output.Name).Value);
            else if (_scalars.TryGetValue(output.Name, out var metric)) binding.BindOutput(output.Name, metric.Value);
            else throw new InvalidDataException($"graph '{graph.Name}': no place to put output '{output.Name}' (role {output.Role})");
        }
        return binding;
    }

    private (float[] Data, OrtValue Value) Gradient(string name)
    {
        if (_gradients.TryGetValue(name, out var existing)) return existing;
        string param = name[ArtifactNames.GradPrefix.Length..];
        var slot = _state.TryGet(param, out var s) ? s : throw new InvalidDataException($"gradient '{name}' of unknown parameter '{param}'");
        var data = new float[slot.CurrentData.Length];
        var created = (data, OrtValue.CreateTensorValueFromMemory(data, slot.Shape));
        _gradients[name] = created;
        return created;
    }

    public void Dispose()
    {
        foreach (var b in _bindings.Values) b.Dispose();
        foreach (var g in _graphs.Values) g.Dispose();
        foreach (var (_, v) in _scalars.Values) v.Dispose();
        foreach (var (_, v) in _gradients.Values) v.Dispose();
        _state.Dispose();
        _run.Dispose();
    }
}
