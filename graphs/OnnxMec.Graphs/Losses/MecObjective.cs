using OnnxMec.Contract;

namespace OnnxMec.Graphs;

/// <summary>
/// Maximum Entropy Coding as a registered loss (<see cref="MecLoss"/> builds its graph): the runtime
/// scalar λ⁻¹ with the reference's warm-up, and the metrics that show whether the Taylor series is
/// healthy.
/// </summary>
public sealed class MecObjective : ILoss
{
    public const string LambdaInv = "lambda_inv";
    public const string CodingLength = "coding_length";
    public const string PositiveCosine = "positive_cosine";
    public const string SpectralNorm = "spectral_norm";

    /// <summary>ε_d², so that λ = 1/(m·ε_d²): the reference's ε = 64 at d = 2048 is 1/32; ε_d² ≥ 1 keeps ‖C‖₂ ≤ 1.</summary>
    public const string EpsD2 = "EpsD2";

    /// <summary>λ⁻¹ starts at this multiple of its final value and falls linearly to it over the warm-up (reference: 8).</summary>
    public const string LambdaWarmupFactor = "LambdaWarmupFactor";

    public string Description => "−(T(p1,z2) + T(p2,z1)) / 2 / m · λ⁻¹";

    public IReadOnlyList<ScalarSpec> Scalars { get; } =
    [
        new(LambdaInv, Roles.LambdaInv, "1/λ of the MEC loss; λ = 1/(m·ε_d²), warmed up from 8/λ"),
    ];

    public IReadOnlyList<MetricSpec> Metrics { get; } =
    [
        new(CodingLength, "μ · mec with mec = (T(p1,z2) + T(p2,z1)) / 2 / m, μ = (m + d) / 2: the Taylor estimate of μ·logdet(I + C) per sample, positive"),
        new(PositiveCosine, "mean cosine similarity of the positive pairs (p1, z2) and (p2, z1)"),
        new(SpectralNorm, "power-iteration estimate of ‖C(p1, z2)‖₂; the Taylor series converges only below 1", Limit: 1.0,
            LimitHint: "the Taylor series of the MEC loss no longer converges (raise ε_d², i.e. lambda_inv, or lower the order)"),
    ];

    public IReadOnlyDictionary<string, double> DefaultSettings { get; } = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase)
    {
        [EpsD2] = 1.0,
        [LambdaWarmupFactor] = 8,
    };

    public IReadOnlyList<string> Validate(ArtifactConfig config)
    {
        var errors = new List<string>();
        if (config.Order is < 1 or > 8) errors.Add($"order: {config.Order} must be from 1 to 8");
        if (ParseForm(config.Form) is null) errors.Add($"form: '{config.Form}' is not batch or feature");
        if (config.PowerIterations is < 1 or > 100) errors.Add($"power_iterations: {config.PowerIterations} must be from 1 to 100");
        return errors;
    }

    public IReadOnlyList<string> ValidateSettings(IReadOnlyDictionary<string, double> settings)
    {
        var errors = new List<string>();
        double eps = settings[EpsD2], factor = settings[LambdaWarmupFactor];
        if (!(eps > 0) || double.IsInfinity(eps)) errors.Add($"Loss:{EpsD2}: {eps} must be a positive number");
        if (!(factor >= 1) || double.IsInfinity(factor)) errors.Add($"Loss:{LambdaWarmupFactor}: {factor} must be a number of at least 1");
        return errors;
    }

    public LossGraph Build(LossInputs x)
    {
        var c = x.Config;
        var mec = MecLoss.Build(x.G, x.P1, x.P2, x.Z1, x.Z2, x.Scalar(LambdaInv), c.Order, ParseForm(c.Form)!.Value, c.PowerIterations);
        return new LossGraph(mec.Loss, [mec.CodingLength, mec.PositiveCosine, mec.SpectralNorm]);
    }

    /// <summary>λ⁻¹ = m·ε_d², times a factor falling linearly from <see cref="LambdaWarmupFactor"/> to 1 over the warm-up epochs (per step, as the reference).</summary>
    public double ScalarValue(string name, ScheduleContext context)
    {
        if (name != LambdaInv) throw new ArgumentException($"the MEC loss has no scalar '{name}'");
        double final = context.GlobalBatch * context.Settings[EpsD2], factor = context.Settings[LambdaWarmupFactor];
        double progress = context.WarmupEpochs <= 0 ? 1 : Math.Min(1, context.Epoch / context.WarmupEpochs);
        return final * (factor + (1 - factor) * progress);
    }

    private static MecForm? ParseForm(string form) => form switch
    {
        "batch" => MecForm.Batch,
        "feature" => MecForm.Feature,
        _ => null,
    };
}
