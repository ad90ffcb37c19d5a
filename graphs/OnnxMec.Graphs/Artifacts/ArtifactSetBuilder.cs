using System.Security.Cryptography;
using OnnxMec.Contract;
using OnnxMec.GraphEngine;
using static OnnxMec.Contract.ArtifactNames;

namespace OnnxMec.Graphs;

/// <summary>
/// Builds an artifact set: the training graph (two views through the online and target networks,
/// the loss, gradients, new BN statistics), the optimizer and EMA graphs, the eval graph, and
/// train_step with all of it in one graph; plus manifest.json describing every input and output by
/// role. The backbone and the loss come from their registries by the config's names.
/// </summary>
public static class ArtifactSetBuilder
{
    public const string BuilderVersion = "1";

    /// <summary>Sets with at most this many online weights carry them as a file; larger ones make them from the seed on first use.</summary>
    public const long WeightsFileLimit = 4_000_000;

    private sealed record Core(GraphBuilder G, ModelWeights Online, ModelWeights Target, LossGraph Loss,
        IReadOnlyList<ParameterSpec> Params, IReadOnlyList<Value> Grads);

    public static ArtifactSet Build(string name, ArtifactConfig config)
    {
        var plan = ArtifactPlan.Resolve(config, name);
        var (online, target) = Networks(plan);
        var onlineParams = online.Specs.Where(s => s.Role == TensorRole.Param).ToList();
        var (forward, backward, saved) = BuildDataParallelStep(plan);
        var graphs = new List<GraphPart>
        {
            Whole(BuildTrainingModel(plan)),
            Whole(BuildOptimizerModel(plan, onlineParams)),
            Whole(BuildEmaModel(target.Specs.Where(s => s.Role == TensorRole.Param))),
            Whole(BuildEvalModel(plan)),
            Whole(BuildTrainStep(plan)),
            forward,
            Whole(BuildDataParallelLoss(plan)),
            backward,
        };
        var tensors = Tensors(online.Specs, target.Specs);
        var roles = tensors.ToDictionary(t => t.Name, t => t.Role, StringComparer.Ordinal);
        var describe = new Describer(roles, plan.Loss, saved.Select(v => v.Name).ToHashSet(StringComparer.Ordinal));

        var files = new List<ArtifactFile>();
        var manifestGraphs = new SortedDictionary<string, ManifestGraph>(StringComparer.Ordinal);
        foreach (var graph in graphs)
        {
            var bytes = ModelWriter.ToBytes(graph, [new("onnxmec.artifact_set", name), new("onnxmec.graph", graph.Name)]);
            string file = graph.Name + ".onnx";
            files.Add(new ArtifactFile(file, bytes));
            manifestGraphs[graph.Name] = new ManifestGraph(file, Convert.ToHexStringLower(SHA256.HashData(bytes)),
                graph.Inputs.Select(v => describe.Value(v, graph.Name, input: true)).ToList(), graph.Outputs.Select(v => describe.Value(v, graph.Name, input: false)).ToList());
        }

        long onlineCount = online.Specs.Sum(s => s.ElementCount);
        var manifest = new Manifest(name, BuilderVersion, config, tensors, manifestGraphs, new ManifestWeights(null, config.Seed));
        if (onlineCount <= WeightsFileLimit)
        {
            using var stream = new MemoryStream();
            SafeTensors.Write(stream, InitialState.OnlineFromSeed(manifest), new Dictionary<string, string> { ["format"] = "pt", ["artifact_set"] = name });
            var weights = new ArtifactFile(ArtifactSet.WeightsFile, stream.ToArray());
            files.Add(weights);
            manifest = manifest with { Weights = new ManifestWeights(weights.Name, config.Seed, Convert.ToHexStringLower(SHA256.HashData(weights.Bytes))) };
        }
        return new ArtifactSet(manifest, files);
    }

    private static GraphPart Whole(GraphBuilder g) => new(g.Name, g.Inputs, g.Nodes, g.Outputs);

    /// <summary>The two views through the online network (p) and, for the loss, the EMA target (z), BN in training mode with per-view statistics.</summary>
    private sealed record Views(GraphBuilder G, ModelWeights Online, ModelWeights Target, Value P1, Value P2, Value Z1, Value Z2);

    private static Views BuildViews(string graphName, ArtifactPlan plan, Action<GraphBuilder>? declareScalars = null)
    {
        var c = plan.Config;
        var g = new GraphBuilder(graphName);
        var view1 = g.Input(View1, DType.Float, SiameseNetworks.ImageShape(c));
        var view2 = g.Input(View2, DType.Float, SiameseNetworks.ImageShape(c));
        declareScalars?.Invoke(g);
        var online = new ModelWeights(g, BnMode.Train);
        var target = new ModelWeights(g, BnMode.Train, TargetPrefix);
        Value p1, p2, z1, z2;
        using (g.Scope("online_view1")) p1 = SiameseNetworks.Online(online, view1, plan);
        using (g.Scope("online_view2")) p2 = SiameseNetworks.Online(online, view2, plan);
        using (g.Scope("target_view1")) z1 = SiameseNetworks.Target(target, view1, plan);
        using (g.Scope("target_view2")) z2 = SiameseNetworks.Target(target, view2, plan);
        return new Views(g, online, target, p1, p2, z1, z2);
    }

    /// <summary>The loss's graph over given embeddings, with its declared scalars.</summary>
    private static LossGraph BuildLoss(GraphBuilder g, ArtifactPlan plan, Value p1, Value p2, Value z1, Value z2, IReadOnlyDictionary<string, Value> scalars)
    {
        var loss = plan.Loss.Build(new LossInputs(g, p1, p2, z1, z2, plan.Config, name => scalars.TryGetValue(name, out var v) ? v
            : throw new GraphBuildException($"the loss reads scalar '{name}', which it does not declare")));
        if (loss.Metrics.Count != plan.Loss.Metrics.Count)
            throw new GraphBuildException($"the loss built {loss.Metrics.Count} metrics but declares {plan.Loss.Metrics.Count}");
        return loss;
    }

    private static Dictionary<string, Value> DeclareScalars(GraphBuilder g, ArtifactPlan plan) =>
        plan.Loss.Scalars.ToDictionary(s => s.Name, s => g.Input(s.Name, DType.Float, Shape.Scalar), StringComparer.Ordinal);

    /// <summary>view1, view2 → online(view) and target(view) with per-view BN statistics → the loss → gradients of the online parameters.</summary>
    private static Core BuildCore(string graphName, ArtifactPlan plan)
    {
        Dictionary<string, Value> scalars = [];
        var v = BuildViews(graphName, plan, g => scalars = DeclareScalars(g, plan));
        var loss = BuildLoss(v.G, plan, v.P1, v.P2, v.Z1, v.Z2, scalars);
        var parameters = v.Online.Specs.Where(s => s.Role == TensorRole.Param).ToList();
        var grads = Autodiff.Gradients(loss.Loss, parameters.Select(s => v.Online.Input(s.Name)).ToList());
        return new Core(v.G, v.Online, v.Target, loss, parameters, grads);
    }

    /// <summary>
    /// The data-parallel step's forward and backward graphs: one graph from the views to the
    /// parameter gradients of the surrogate Σ p ⊙ dL/dp, with dL/dp an input that arrives later
    /// (from the loss over the gathered global batch), cut where it enters. The forward part
    /// outputs the embeddings and the new BN statistics; what the backward part reads of it
    /// crosses as saved values.
    /// </summary>
    private static (GraphPart Forward, GraphPart Backward, IReadOnlyList<Value> Saved) BuildDataParallelStep(ArtifactPlan plan)
    {
        var v = BuildViews("data_parallel_step", plan);
        var g = v.G;
        Value[] embeddings = [v.P1, v.P2, v.Z1, v.Z2];
        for (int i = 0; i < embeddings.Length; i++) embeddings[i] = g.Output(embeddings[i], Embeddings[i]);
        var upstream1 = g.Input(GradPrefix + Embeddings[0], DType.Float, v.P1.Shape);
        var upstream2 = g.Input(GradPrefix + Embeddings[1], DType.Float, v.P2.Shape);
        Value surrogate;
        using (g.Scope("surrogate")) surrogate = g.Add(g.ReduceSum(g.Mul(embeddings[0], upstream1)), g.ReduceSum(g.Mul(embeddings[1], upstream2)));
        var parameters = v.Online.Specs.Where(s => s.Role == TensorRole.Param).ToList();
        var grads = Autodiff.Gradients(surrogate, parameters.Select(s => v.Online.Input(s.Name)).ToList());
        var stats = v.Online.UpdatedStats.Select(kv => g.Output(kv.Value, NewPrefix + kv.Key))
            .Concat(v.Target.UpdatedStats.Select(kv => g.Output(kv.Value, NewPrefix + TargetPrefix + kv.Key))).ToList();
        var gradOutputs = parameters.Select((s, i) => g.Output(grads[i], GradPrefix + s.Name)).ToList();
        var (forward, backward, saved) = GraphPartition.Split(g, [upstream1, upstream2], [.. embeddings, .. stats], gradOutputs, DataParallelForward, DataParallelBackward);
        return (forward, backward, saved);
    }

    /// <summary>The loss over the gathered global batch and its gradients with respect to the online predictions.</summary>
    private static GraphBuilder BuildDataParallelLoss(ArtifactPlan plan)
    {
        var g = new GraphBuilder(DataParallelLoss);
        var shape = new Shape(Dim.Sym("N"), plan.Config.EmbeddingDim);
        var inputs = Embeddings.Select(n => g.Input(n, DType.Float, shape)).ToArray();
        var loss = BuildLoss(g, plan, inputs[0], inputs[1], inputs[2], inputs[3], DeclareScalars(g, plan));
        var upstream = Autodiff.Gradients(loss.Loss, [inputs[0], inputs[1]]);
        g.Output(loss.Loss, Loss);
        for (int i = 0; i < loss.Metrics.Count; i++) g.Output(loss.Metrics[i], plan.Loss.Metrics[i].Name);
        g.Output(upstream[0], GradPrefix + Embeddings[0]);
        g.Output(upstream[1], GradPrefix + Embeddings[1]);
        return g;
    }

    private static void OutputLossAndMetrics(Core core, ArtifactPlan plan)
    {
        core.G.Output(core.Loss.Loss, Loss);
        for (int i = 0; i < core.Loss.Metrics.Count; i++) core.G.Output(core.Loss.Metrics[i], plan.Loss.Metrics[i].Name);
    }

    private static void OutputStats(Core core)
    {
        foreach (var (key, value) in core.Online.UpdatedStats) core.G.Output(value, NewPrefix + key);
        foreach (var (key, value) in core.Target.UpdatedStats) core.G.Output(value, NewPrefix + TargetPrefix + key);
    }

    private static GraphBuilder BuildTrainingModel(ArtifactPlan plan)
    {
        var core = BuildCore(TrainingModel, plan);
        OutputLossAndMetrics(core, plan);
        for (int i = 0; i < core.Params.Count; i++) core.G.Output(core.Grads[i], GradPrefix + core.Params[i].Name);
        OutputStats(core);
        return core.G;
    }

    private static GraphBuilder BuildTrainStep(ArtifactPlan plan)
    {
        var core = BuildCore(TrainStep, plan);
        var g = core.G;
        var lr = g.Input(Lr, DType.Float, Shape.Scalar);
        var ema = g.Input(EmaMomentum, DType.Float, Shape.Scalar);
        var updated = Optimize(g, plan, core.Params.Select((s, i) => (s, core.Online.Input(s.Name), core.Grads[i])).ToList(), lr);
        OutputLossAndMetrics(core, plan);
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
    private static List<(ParameterSpec Spec, Value Param, Value Momentum)> Optimize(GraphBuilder g, ArtifactPlan plan,
        IReadOnlyList<(ParameterSpec Spec, Value Param, Value Grad)> items, Value lr)
    {
        var c = plan.Config;
        var result = new List<(ParameterSpec, Value, Value)>();
        foreach (var (spec, param, grad) in items)
        {
            var buffer = g.Input(MomentumPrefix + spec.Name, DType.Float, Shape.Of(spec.Shape));
            using var _ = g.Scope("optimizer." + spec.Name);
            var (p, m) = plan.Optimizer == OptimizerKind.Lars
                ? Lars.Step(g, param, grad, buffer, lr, c.Momentum, c.WeightDecay, c.TrustCoefficient, adapt: !(c.LarsExcludeBiasAndNorm && spec.Shape.Length == 1))
                : Sgd.Step(g, param, grad, buffer, lr, c.Momentum, c.WeightDecay, c.Nesterov);
            result.Add((spec, p, m));
        }
        return result;
    }

    /// <summary>Both networks built once over throwaway inputs, to list their tensors in state_dict order.</summary>
    private static (ModelWeights Online, ModelWeights Target) Networks(ArtifactPlan plan)
    {
        var g = new GraphBuilder("specs");
        var images = g.Input(Images, DType.Float, SiameseNetworks.ImageShape(plan.Config));
        var online = new ModelWeights(g, BnMode.Eval);
        var target = new ModelWeights(g, BnMode.Eval, TargetPrefix);
        SiameseNetworks.Online(online, images, plan);
        SiameseNetworks.Target(target, images, plan);
        return (online, target);
    }

    private static GraphBuilder BuildOptimizerModel(ArtifactPlan plan, IReadOnlyList<ParameterSpec> parameters)
    {
        var g = new GraphBuilder(OptimizerModel);
        var lr = g.Input(Lr, DType.Float, Shape.Scalar);
        var items = parameters.Select(s => (s, g.Input(s.Name, DType.Float, Shape.Of(s.Shape)), g.Input(GradPrefix + s.Name, DType.Float, Shape.Of(s.Shape)))).ToList();
        foreach (var (spec, param, momentum) in Optimize(g, plan, items, lr))
        {
            g.Output(param, NewPrefix + spec.Name);
            g.Output(momentum, NewPrefix + MomentumPrefix + spec.Name);
        }
        return g;
    }

    private static GraphBuilder BuildEmaModel(IEnumerable<ParameterSpec> targetParams)
    {
        var g = new GraphBuilder(EmaModel);
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
    private static GraphBuilder BuildEvalModel(ArtifactPlan plan)
    {
        var c = plan.Config;
        var g = new GraphBuilder(EvalModel);
        var images = g.Input(Images, DType.Float, SiameseNetworks.ImageShape(c));
        var w = new ModelWeights(g, BnMode.Eval);
        var features = plan.Backbone.Features(w, images, c);
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

    /// <summary>The manifest entry of a graph value: its role from the state tensors, the loss's declarations, or the names every set shares.</summary>
    private sealed class Describer(IReadOnlyDictionary<string, string> stateRoles, ILoss loss, IReadOnlySet<string> saved)
    {
        private readonly Dictionary<string, ScalarSpec> _scalars = loss.Scalars.ToDictionary(s => s.Name, StringComparer.Ordinal);
        private readonly Dictionary<string, MetricSpec> _metrics = loss.Metrics.ToDictionary(m => m.Name, StringComparer.Ordinal);

        public ManifestValue Value(Value v, string graph, bool input)
        {
            string[] shape = v.Shape.Select(d => d.ToString()).ToArray();
            string dtype = v.DType.OnnxName();
            string name = v.Name;
            if (Embeddings.Contains(name) && !(graph == DataParallelBackward && input))
                return graph == DataParallelLoss
                    ? new ManifestValue(name, Roles.Gathered, dtype, shape, Description: "the embeddings of the global batch, every process's shard in rank order")
                    : new ManifestValue(name, Roles.Shard, dtype, shape, Description: name.StartsWith('p') ? "online predictor output" : "EMA target projector output");
            if (saved.Contains(name)) return new ManifestValue(name, Roles.Saved, dtype, shape);
            if (name.StartsWith(GradPrefix, StringComparison.Ordinal) && Embeddings.Contains(name[GradPrefix.Length..]))
                return new ManifestValue(name, Roles.Upstream, dtype, shape, Description: $"dL/d{name[GradPrefix.Length..]}" + (input ? ", this process's rows" : " over the global batch"));
            if (name.StartsWith(NewPrefix, StringComparison.Ordinal))
                return new ManifestValue(name, Roles.Update, dtype, shape, Updates: name[NewPrefix.Length..]);
            if (stateRoles.TryGetValue(name, out var role)) return new ManifestValue(name, role, dtype, shape);
            if (_scalars.TryGetValue(name, out var scalar)) return new ManifestValue(name, scalar.Role, dtype, shape, Description: scalar.Description);
            if (_metrics.TryGetValue(name, out var metric))
                return new ManifestValue(name, Roles.Metric, dtype, shape, Description: metric.Description, Limit: metric.Limit, LimitHint: metric.LimitHint);
            return name switch
            {
                View1 or View2 or Images => new(name, Roles.Data, dtype, shape, Description: "images [N, C, H, W], normalised"),
                Lr => new(name, Roles.Lr, dtype, shape),
                EmaMomentum => new(name, Roles.Ema, dtype, shape),
                Loss => new(name, Roles.Loss, dtype, shape, Description: loss.Description),
                Features => new(name, Roles.Feature, dtype, shape, Description: "globally pooled backbone features"),
                Embedding => new(name, Roles.Embedding, dtype, shape, Description: "projector output"),
                _ when name.StartsWith(GradPrefix, StringComparison.Ordinal) => new(name, Roles.Gradient, dtype, shape),
                _ => throw new InvalidOperationException($"no manifest role for graph value '{name}'"),
            };
        }
    }
}
