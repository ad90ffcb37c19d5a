namespace OnnxMec.Runtime;

/// <summary>
/// The per-iteration schedules of the reference code, indexed by the global step so a resumed run
/// continues exactly: <c>epoch = step / stepsPerEpoch</c> is fractional.
/// </summary>
public sealed record ScheduleOptions
{
    public double BaseLearningRate { get; init; } = 0.05;
    public double WarmupEpochs { get; init; } = 10;
    public double Epochs { get; init; } = 100;

    /// <summary>"cosine" (linear warm-up from 0, then cosine to 0, as the reference) or "constant".</summary>
    public string LearningRate { get; init; } = "cosine";

    /// <summary>1/λ = m·ε_d²: the value λ⁻¹ settles at.</summary>
    public double LambdaInv { get; init; } = 1;

    /// <summary>λ⁻¹ starts at this multiple of its final value and falls linearly to it over the warm-up (reference: 8); 1 keeps it constant.</summary>
    public double LambdaWarmupFactor { get; init; } = 8;

    public double EmaMomentum { get; init; } = 0.996;

    /// <summary>"cosine" (from <see cref="EmaMomentum"/> to 1 over the run, as BYOL and the reference) or "constant".</summary>
    public string EmaSchedule { get; init; } = "cosine";

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!(BaseLearningRate > 0)) errors.Add($"lr: {BaseLearningRate} must be positive");
        if (!(Epochs > 0)) errors.Add($"epochs: {Epochs} must be positive");
        if (WarmupEpochs < 0 || WarmupEpochs > Epochs) errors.Add($"warmup_epochs: {WarmupEpochs} must be in [0, epochs = {Epochs}]");
        if (LearningRate is not ("cosine" or "constant")) errors.Add($"lr_schedule: '{LearningRate}' is not cosine or constant");
        if (!(LambdaInv > 0)) errors.Add($"lambda_inv: {LambdaInv} must be positive");
        if (LambdaWarmupFactor < 1) errors.Add($"lambda_warmup_factor: {LambdaWarmupFactor} must be at least 1");
        if (EmaMomentum is < 0 or > 1) errors.Add($"ema_momentum: {EmaMomentum} must be in [0, 1]");
        if (EmaSchedule is not ("cosine" or "constant")) errors.Add($"ema_schedule: '{EmaSchedule}' is not cosine or constant");
        return errors;
    }
}

public sealed class Schedules(ScheduleOptions options, int stepsPerEpoch)
{
    public ScheduleOptions Options { get; } = options;
    public int StepsPerEpoch { get; } = stepsPerEpoch > 0 ? stepsPerEpoch : throw new ArgumentOutOfRangeException(nameof(stepsPerEpoch));

    public double Epoch(long step) => (double)step / StepsPerEpoch;

    /// <summary>lr = base·e/W during warm-up, then base·½(1 + cos(π(e − W)/(E − W))).</summary>
    public double LearningRate(long step)
    {
        var o = Options;
        if (o.LearningRate == "constant") return o.BaseLearningRate;
        double e = Epoch(step);
        if (e < o.WarmupEpochs) return o.BaseLearningRate * e / o.WarmupEpochs;
        double span = o.Epochs - o.WarmupEpochs;
        return span <= 0 ? o.BaseLearningRate : o.BaseLearningRate * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(1, (e - o.WarmupEpochs) / span)));
    }

    /// <summary>λ⁻¹ falls linearly from factor·λ⁻¹ to λ⁻¹ over the warm-up epochs, then stays.</summary>
    public double LambdaInv(long step)
    {
        var o = Options;
        double progress = o.WarmupEpochs <= 0 ? 1 : Math.Min(1, Epoch(step) / o.WarmupEpochs);
        return o.LambdaInv * (o.LambdaWarmupFactor + (1 - o.LambdaWarmupFactor) * progress);
    }

    /// <summary>m = 1 − (1 − m₀)·½(1 + cos(π·e/E)).</summary>
    public double EmaMomentum(long step)
    {
        var o = Options;
        if (o.EmaSchedule == "constant") return o.EmaMomentum;
        return 1 - (1 - o.EmaMomentum) * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(1, Epoch(step) / o.Epochs)));
    }

    public StepScalars At(long step) => new((float)LearningRate(step), (float)LambdaInv(step), (float)EmaMomentum(step));
}
