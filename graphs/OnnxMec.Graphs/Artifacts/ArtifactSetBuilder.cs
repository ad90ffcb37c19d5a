using System.Security.Cryptography;
using OnnxMec.Formats;
using static OnnxMec.Graphs.ArtifactNames;

namespace OnnxMec.Graphs;

/// <summary>
/// Builds an artifact set: the training graph (two views through the online and target networks,
/// the MEC loss, gradients, new BN statistics), the optimizer and EMA graphs, the eval graph, and
/// train_step with all of it in one graph; plus manifest.json describing every input and output.
/// </summary>
public static class ArtifactSetBuilder
{
    public const string BuilderVersion = "1";

    /// <summary>Sets with at most this many online weights carry them as a file; larger ones make them from the seed on first use.</summary>
    public const long WeightsFileLimit = 4_000_000;

    private sealed record Core(GraphBuilder G, ModelWeights Online, ModelWeights Target, MecLossOutputs Mec,
        IReadOnlyList<ParameterSpec> Params, IReadOnlyList<Value> Grads);

    public static ArtifactSet Build(string name, ArtifactConfig config)
    {
        var errors = config.Validate();
        if (errors.Count > 0) throw new ArgumentException($"invalid artifact config for '{name}':\n  " + string.Join("\n  ", errors));

        var (online, target) = Networks(config);
        var onlineParams = online.Specs.Where(s => s.Role == TensorRole.Param).ToList();
        var graphs = new List<(string Name, GraphBuilder Graph)>
        {
            ("training_model", TrainingModel(config)),
            ("optimizer_model", OptimizerModel(config, onlineParams)),
            ("ema_model", EmaModel(target.Specs.Where(s => s.Role == TensorRole.Param))),
            ("eval_model", EvalModel(config)),
            ("train_step", TrainStep(config)),
        };
        var tensors = Tensors(online.Specs, target.Specs);
        var roles = tensors.ToDictionary(t => t.Name, t => t.Role, StringComparer.Ordinal);

        var files = new List<ArtifactFile>();
        var manifestGraphs = new SortedDictionary<string, ManifestGraph>(StringComparer.Ordinal);
        foreach (var (graphName, graph) in graphs)
        {
            var bytes = ModelWriter.ToBytes(graph, [new("onnxmec.artifact_set", name), new("onnxmec.graph", graphName)]);
            string file = graphName + ".onnx";
            files.Add(new ArtifactFile(file, bytes));
            manifestGraphs[graphName] = new ManifestGraph(file, Convert.ToHexStringLower(SHA256.HashData(bytes)),
                graph.Inputs.Select(v => Describe(v, roles)).ToList(), graph.Outputs.Select(v => Describe(v, roles)).ToList());
        }

        long onlineCount = online.Specs.Sum(s => s.ElementCount);
        var manifest = new Manifest(name, BuilderVersion, config, tensors, manifestGraphs,
            new ManifestWeights(onlineCount <= WeightsFileLimit ? ArtifactSet.WeightsFile : null, config.Seed));
        if (manifest.Weights.File is not null)
        {
            using var stream = new MemoryStream();
            SafeTensors.Write(stream, InitialState.OnlineFromSeed(manifest), new Dictionary<string, string> { ["format"] = "pt", ["artifact_set"] = name });
            files.Add(new ArtifactFile(manifest.Weights.File, stream.ToArray()));
        }
        return new ArtifactSet(manifest, files);
    }

    /// <summary>view1, view2 → online(view) and target(view) with per-view BN statistics → MEC loss → gradients of the online parameters.</summary>
    private static Core BuildCore(string graphName, ArtifactConfig c)
    {
        var g = new GraphBuilder(graphName);
        var view1 = g.Input(View1, DType.Float, MecNetworks.ImageShape(c));
        var view2 = g.Input(View2, DType.Float, MecNetworks.ImageShape(c));
        var lambdaInv = g.Input(LambdaInv, DType.Float, Shape.Scalar);
        var online = new ModelWeights(g, BnMode.Train);
        var target = new ModelWeights(g, BnMode.Train, TargetPrefix);
        Value p1, p2, z1, z2;
        using (g.Scope("online_view1")) p1 = MecNetworks.Online(online, view1, c);
        using (g.Scope("online_view2")) p2 = MecNetworks.Online(online, view2, c);
        using (g.Scope("target_view1")) z1 = MecNetworks.Target(target, view1, c);
        using (g.Scope("target_view2")) z2 = MecNetworks.Target(target, view2, c);
        var mec = MecLoss.Build(g, p1, p2, z1, z2, lambdaInv, c.Order, c.Form, c.PowerIterations);
        var parameters = online.Specs.Where(s => s.Role == TensorRole.Param).ToList();
        var grads = Autodiff.Gradients(mec.Loss, parameters.Select(s => online.Input(s.Name)).ToList());
        return new Core(g, online, target, mec, parameters, grads);
    }

    private static void OutputLossAndMetrics(Core core)
    {
        core.G.Output(core.Mec.Loss, Loss);
        core.G.Output(core.Mec.CodingLength, CodingLength);
        core.G.Output(core.Mec.PositiveCosine, PositiveCosine);
        core.G.Output(core.Mec.SpectralNorm, SpectralNorm);
    }

    private static void OutputStats(Core core)
    {
        foreach (var (key, value) in core.Online.UpdatedStats) core.G.Output(value, NewPrefix + key);
        foreach (var (key, value) in core.Target.UpdatedStats) core.G.Output(value, NewPrefix + TargetPrefix + key);
    }

    private static GraphBuilder TrainingModel(ArtifactConfig c)
    {
        var core = BuildCore("training_model", c);
        OutputLossAndMetrics(core);
        for (int i = 0; i < core.Params.Count; i++) core.G.Output(core.Grads[i], GradPrefix + core.Params[i].Name);
        OutputStats(core);
        return core.G;
    }

    private static GraphBuilder TrainStep(ArtifactConfig c)
    {
        var core = BuildCore("train_step", c);
        var g = core.G;
        var lr = g.Input(Lr, DType.Float, Shape.Scalar);
        var ema = g.Input(EmaMomentum, DType.Float, Shape.Scalar);
        var updated = Optimize(g, c, core.Params.Select((s, i) => (s, core.Online.Input(s.Name), core.Grads[i])).ToList(), lr);
        OutputLossAndMetrics(core);
        foreach (var (spec, param, momentum) in updated)
        {
            g.Output(param, NewPrefix + spec.Name);
            g.Output(momentum, NewPrefix + MomentumPrefix + spec.Name);
        }
        var newOnline = updated.ToDictionary(u => u.Spec.Name, u => u.Param, StringComparer.Ordinal);
        foreach (var spec in core.Target.Specs.Where(s => s.Role == TensorRole.Param))
            using (g.Scope("ema"))
                g.Output(Ema.Update(g, core.Target.Input(spec.Name), newOnline[spec.Name], ema), NewPrefix + TargetPrefix + spec.Name);
        OutputStats(core);
        return g;
    }

    /// <summary>One optimizer step per parameter; momentum buffers are inputs named "momentum.&lt;param&gt;".</summary>
    private static List<(ParameterSpec Spec, Value Param, Value Momentum)> Optimize(GraphBuilder g, ArtifactConfig c,
        IReadOnlyList<(ParameterSpec Spec, Value Param, Value Grad)> items, Value lr)
    {
        var result = new List<(ParameterSpec, Value, Value)>();
        foreach (var (spec, param, grad) in items)
        {
            var buffer = g.Input(MomentumPrefix + spec.Name, DType.Float, Shape.Of(spec.Shape));
            using var _ = g.Scope("optimizer." + spec.Name);
            var (p, m) = c.Optimizer == "lars"
                ? Lars.Step(g, param, grad, buffer, lr, c.Momentum, c.WeightDecay, c.TrustCoefficient, adapt: !(c.LarsExcludeBiasAndNorm && spec.Shape.Length == 1))
                : Sgd.Step(g, param, grad, buffer, lr, c.Momentum, c.WeightDecay, c.Nesterov);
            result.Add((spec, p, m));
        }
        return result;
    }

    /// <summary>Both networks built once over throwaway inputs, to list their tensors in state_dict order.</summary>
    private static (ModelWeights Online, ModelWeights Target) Networks(ArtifactConfig c)
    {
        var g = new GraphBuilder("specs");
        var images = g.Input(Images, DType.Float, MecNetworks.ImageShape(c));
        var online = new ModelWeights(g, BnMode.Eval);
        var target = new ModelWeights(g, BnMode.Eval, TargetPrefix);
        MecNetworks.Online(online, images, c);
        MecNetworks.Target(target, images, c);
        return (online, target);
    }

    private static GraphBuilder OptimizerModel(ArtifactConfig c, IReadOnlyList<ParameterSpec> parameters)
    {
        var g = new GraphBuilder("optimizer_model");
        var lr = g.Input(Lr, DType.Float, Shape.Scalar);
        var items = parameters.Select(s => (s, g.Input(s.Name, DType.Float, Shape.Of(s.Shape)), g.Input(GradPrefix + s.Name, DType.Float, Shape.Of(s.Shape)))).ToList();
        foreach (var (spec, param, momentum) in Optimize(g, c, items, lr))
        {
            g.Output(param, NewPrefix + spec.Name);
            g.Output(momentum, NewPrefix + MomentumPrefix + spec.Name);
        }
        return g;
    }

    private static GraphBuilder EmaModel(IEnumerable<ParameterSpec> targetParams)
    {
        var g = new GraphBuilder("ema_model");
        var ema = g.Input(EmaMomentum, DType.Float, Shape.Scalar);
        foreach (var spec in targetParams)
        {
            var online = g.Input(spec.Name, DType.Float, Shape.Of(spec.Shape));
            var target = g.Input(TargetPrefix + spec.Name, DType.Float, Shape.Of(spec.Shape));
            using var _ = g.Scope("ema");
            g.Output(Ema.Update(g, target, online, ema), NewPrefix + TargetPrefix + spec.Name);
        }
        return g;
    }

    /// <summary>images → backbone features and projector embedding, BN in eval mode, online weights.</summary>
    private static GraphBuilder EvalModel(ArtifactConfig c)
    {
        var g = new GraphBuilder("eval_model");
        var images = g.Input(Images, DType.Float, MecNetworks.ImageShape(c));
        var w = new ModelWeights(g, BnMode.Eval);
        var features = ResNet.Features(w, images, c);
        var embedding = Heads.Projector(w, features, c.ProjectorDims);
        g.Output(features, Features);
        g.Output(embedding, Embedding);
        return g;
    }

    /// <summary>State tensors in manifest order: online (state_dict order), target copies, momenta.</summary>
    private static List<ManifestTensor> Tensors(IReadOnlyList<ParameterSpec> online, IReadOnlyList<ParameterSpec> target)
    {
        var list = new List<ManifestTensor>();
        foreach (var s in online)
            list.Add(new ManifestTensor(s.Name, s.Role == TensorRole.Param ? Roles.Param : Roles.BnStat, "float32", s.Shape, s.Init, s.FanIn));
        foreach (var s in target)
            list.Add(new ManifestTensor(TargetPrefix + s.Name, s.Role == TensorRole.Param ? Roles.TargetParam : Roles.TargetBnStat, "float32", s.Shape, TensorInit.Copy, CopyOf: s.Name));
        foreach (var s in online.Where(s => s.Role == TensorRole.Param))
            list.Add(new ManifestTensor(MomentumPrefix + s.Name, Roles.Momentum, "float32", s.Shape, TensorInit.Zeros));
        return list;
    }

    private static ManifestValue Describe(Value v, IReadOnlyDictionary<string, string> stateRoles)
    {
        string[] shape = v.Shape.Select(d => d.ToString()).ToArray();
        string dtype = v.DType.OnnxName();
        string name = v.Name;
        if (name.StartsWith(NewPrefix, StringComparison.Ordinal))
            return new ManifestValue(name, Roles.Update, dtype, shape, Updates: name[NewPrefix.Length..]);
        if (stateRoles.TryGetValue(name, out var role)) return new ManifestValue(name, role, dtype, shape);
        return name switch
        {
            View1 or View2 or Images => new(name, Roles.Data, dtype, shape, Description: "images [N, C, H, W], normalised"),
            Lr => new(name, Roles.Lr, dtype, shape),
            LambdaInv => new(name, Roles.LambdaInv, dtype, shape, Description: "1/λ of the MEC loss; λ = 1/(m·ε_d²), warmed up from 8/λ"),
            EmaMomentum => new(name, Roles.Ema, dtype, shape),
            Loss => new(name, Roles.Loss, dtype, shape, Description: "−(T(p1,z2) + T(p2,z1)) / 2 / m · λ⁻¹"),
            CodingLength => new(name, Roles.Metric, dtype, shape, Description: "μ · mec with mec = (T(p1,z2) + T(p2,z1)) / 2 / m, μ = (m + d) / 2: the Taylor estimate of μ·logdet(I + C) per sample, positive"),
            PositiveCosine => new(name, Roles.Metric, dtype, shape, Description: "mean cosine similarity of the positive pairs (p1, z2) and (p2, z1)"),
            SpectralNorm => new(name, Roles.Metric, dtype, shape, Description: "power-iteration estimate of ‖C(p1, z2)‖₂; the Taylor series converges only below 1"),
            Features => new(name, Roles.Feature, dtype, shape, Description: "globally pooled backbone features"),
            Embedding => new(name, Roles.Embedding, dtype, shape, Description: "projector output"),
            _ when name.StartsWith(GradPrefix, StringComparison.Ordinal) => new(name, Roles.Gradient, dtype, shape),
            _ => throw new InvalidOperationException($"no manifest role for graph value '{name}'"),
        };
    }
}
