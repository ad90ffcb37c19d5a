using OnnxMec.Contract;

namespace OnnxMec.Graphs.Tests.Artifacts;

public class OptimizerGraphTests
{
    /// <summary>torch.optim.SGD (dampening 0) in double.</summary>
    private static void SgdReference(double[] p, double[] g, double[] buf, double lr, ArtifactConfig c)
    {
        for (int i = 0; i < p.Length; i++)
        {
            double d = g[i] + c.WeightDecay * p[i];
            buf[i] = c.Momentum * buf[i] + d;
            p[i] -= lr * (c.Nesterov ? d + c.Momentum * buf[i] : buf[i]);
        }
    }

    /// <summary>MoCo v3's LARS in double; 1-D parameters skip decay and adaptation.</summary>
    private static void LarsReference(double[] p, double[] g, double[] buf, double lr, ArtifactConfig c, bool adapt)
    {
        var d = (double[])g.Clone();
        if (adapt)
        {
            for (int i = 0; i < p.Length; i++) d[i] += c.WeightDecay * p[i];
            double pn = Math.Sqrt(p.Sum(x => x * x)), un = Math.Sqrt(d.Sum(x => x * x));
            double q = pn > 0 && un > 0 ? c.TrustCoefficient * pn / un : 1;
            for (int i = 0; i < d.Length; i++) d[i] *= q;
        }
        for (int i = 0; i < p.Length; i++)
        {
            buf[i] = c.Momentum * buf[i] + d[i];
            p[i] -= lr * buf[i];
        }
    }

    [TestCase("sgd", false)]
    [TestCase("sgd", true)]
    [TestCase("lars", false)]
    public void The_optimizer_graph_equals_the_reference_over_three_steps(string optimizer, bool nesterov)
    {
        var config = TinySet.Config(optimizer, nesterov);
        var set = ArtifactSetBuilder.Build("tiny", config);
        using var runner = new NamedRunner(TinySet.Graph(set, "optimizer_model"));
        var state = TrainingState.Initial(set);
        var parameters = set.Manifest.Tensors.Where(t => t.Role == Roles.Param).ToList();
        var reference = parameters.ToDictionary(t => t.Name, t => (P: state.Values[t.Name].Data.Select(v => (double)v).ToArray(), Buf: new double[state.Values[t.Name].Data.Length]));
        const double lr = 0.3;
        for (int step = 0; step < 3; step++)
        {
            var grads = parameters.Select((t, k) => (ArtifactNames.GradPrefix + t.Name,
                new FloatTensor(TestRandom.Normal(100 * step + k, t.Shape.Aggregate(1L, (a, b) => a * b)).Select(v => (float)v).ToArray(), t.Shape))).ToArray();
            var outputs = runner.Run(state.With([(ArtifactNames.Lr, FloatTensor.Scalar((float)lr)), .. grads]));
            state.Apply(outputs);
            foreach (var ((name, grad), t) in grads.Zip(parameters))
            {
                var (p, buf) = reference[t.Name];
                var g = grad.Data.Select(v => (double)v).ToArray();
                if (optimizer == "lars") LarsReference(p, g, buf, lr, config, adapt: t.Shape.Length > 1);
                else SgdReference(p, g, buf, lr, config);
            }
        }
        foreach (var t in parameters)
        {
            Assert.That(state.Values[t.Name].Data, Is.EqualTo(reference[t.Name].P).Within(1e-5), t.Name);
            Assert.That(state.Values[ArtifactNames.MomentumPrefix + t.Name].Data, Is.EqualTo(reference[t.Name].Buf).Within(1e-5), "momentum." + t.Name);
        }
    }

    [Test]
    public void The_ema_graph_equals_the_reference_over_three_steps()
    {
        var set = ArtifactSetBuilder.Build("tiny", TinySet.Config());
        using var runner = new NamedRunner(TinySet.Graph(set, "ema_model"));
        var state = TrainingState.Initial(set);
        var targets = set.Manifest.Tensors.Where(t => t.Role == Roles.TargetParam).ToList();
        Assert.That(targets.Select(t => t.Name), Has.None.Contains("predictor"), "the target has no predictor");
        var reference = targets.ToDictionary(t => t.Name, t => state.Values[t.Name].Data.Select(v => (double)v).ToArray());
        double[] momenta = [0.99, 0.996, 0.5];
        for (int step = 0; step < 3; step++)
        {
            foreach (var t in targets)
            {
                string online = t.CopyOf!;
                var moved = TestRandom.Normal(step * 1000 + online.Length, state.Values[online].Data.Length).Select(v => (float)v).ToArray();
                state.Values[online] = state.Values[online] with { Data = moved };
                var r = reference[t.Name];
                for (int i = 0; i < r.Length; i++) r[i] = momenta[step] * r[i] + (1 - momenta[step]) * moved[i];
            }
            state.Apply(runner.Run(state.With((ArtifactNames.EmaMomentum, FloatTensor.Scalar((float)momenta[step])))));
        }
        foreach (var t in targets)
            Assert.That(state.Values[t.Name].Data, Is.EqualTo(reference[t.Name]).Within(1e-5), t.Name);
    }

    [Test]
    public void Lars_leaves_bn_and_bias_parameters_unadapted_only_when_excluded()
    {
        var included = ArtifactSetBuilder.Build("tiny", TinySet.Config("lars") with { LarsExcludeBiasAndNorm = false });
        var excluded = ArtifactSetBuilder.Build("tiny", TinySet.Config("lars"));
        int TrustRatios(ArtifactSet s) => Onnx.ModelProto.Parser.ParseFrom(TinySet.Graph(s, "optimizer_model")).Graph.Node.Count(n => n.Name.Contains("trust_ratio"));
        int parameters = excluded.Manifest.Tensors.Count(t => t.Role == Roles.Param);
        int matrices = excluded.Manifest.Tensors.Count(t => t.Role == Roles.Param && t.Shape.Length > 1);
        Assert.That(TrustRatios(excluded), Is.EqualTo(matrices));
        Assert.That(TrustRatios(included), Is.EqualTo(parameters));
    }
}
