using OnnxMec.Graphs;

namespace OnnxMec.Runtime.Tests.Seams;

/// <summary>
/// A loss added through the seam alone: BYOL's symmetric negative cosine, scaled by a runtime
/// scalar of its own ("toy_scale", held at the run's Scale setting), reporting a metric of its own
/// ("toy_cosine") with a limit.
/// </summary>
internal sealed class ToyLoss : ILoss
{
    public const string ScaleScalar = "toy_scale";
    public const string Cosine = "toy_cosine";

    public string Description => "−toy_scale · (cos(p1, z2) + cos(p2, z1)) / 2";
    public IReadOnlyList<ScalarSpec> Scalars { get; } = [new(ScaleScalar, "scalar:toy_scale", "the toy loss's scale")];
    public IReadOnlyList<MetricSpec> Metrics { get; } = [new(Cosine, "mean cosine of the positive pairs", Limit: 0.999, LimitHint: "the toy has collapsed")];
    public IReadOnlyDictionary<string, double> DefaultSettings { get; } = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase) { ["Scale"] = 2 };

    public IReadOnlyList<string> Validate(ArtifactConfig config) => [];

    public IReadOnlyList<string> ValidateSettings(IReadOnlyDictionary<string, double> settings) =>
        settings["Scale"] > 0 ? [] : [$"Loss:Scale: {settings["Scale"]} must be positive"];

    public LossGraph Build(LossInputs x)
    {
        var g = x.G;
        Value Cos(Value p, Value z) =>
            g.ReduceMean(g.ReduceSum(g.Mul(L2Normalize.Apply(g, p), L2Normalize.Apply(g, g.StopGradient(z))), [1]));
        var cosine = g.Mul(g.Add(Cos(x.P1, x.Z2), Cos(x.P2, x.Z1)), 0.5);
        return new LossGraph(g.Neg(g.Mul(cosine, x.Scalar(ScaleScalar))), [cosine]);
    }

    public double ScalarValue(string name, ScheduleContext context) => context.Settings["Scale"];
}
