using System.Text.Json.Serialization;
using OnnxMec.Contract;

namespace OnnxMec.Runtime;

/// <summary>The shape of a schedule over the run.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ScheduleKind>))]
public enum ScheduleKind
{
    /// <summary>Learning rate: linear warm-up from 0, then cosine to 0 (the reference's). EMA momentum: cosine from its base to 1 (BYOL's).</summary>
    [JsonStringEnumMemberName("cosine")] Cosine,
    [JsonStringEnumMemberName("constant")] Constant,
}

/// <summary>
/// The per-iteration schedules of the optimizer and the EMA target, as the reference code runs
/// them, indexed by the global step so a resumed run continues exactly: <c>epoch = step /
/// stepsPerEpoch</c> is fractional. A loss's own scalars come with the loss.
/// </summary>
public sealed record ScheduleOptions
{
    public double BaseLearningRate { get; init; } = 0.05;
    public double WarmupEpochs { get; init; } = 10;
    public double Epochs { get; init; } = 100;
    public ScheduleKind LrSchedule { get; init; } = ScheduleKind.Cosine;
    public double EmaMomentum { get; init; } = 0.996;
    public ScheduleKind EmaSchedule { get; init; } = ScheduleKind.Cosine;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!(BaseLearningRate > 0) || double.IsInfinity(BaseLearningRate)) errors.Add($"lr: {BaseLearningRate} must be a positive number");
        if (!(Epochs > 0) || double.IsInfinity(Epochs)) errors.Add($"epochs: {Epochs} must be a positive number");
        if (!(WarmupEpochs >= 0 && WarmupEpochs <= Epochs)) errors.Add($"warmup_epochs: {WarmupEpochs} must be in [0, epochs = {Epochs}]");
        if (!Enum.IsDefined(LrSchedule)) errors.Add($"lr_schedule: '{LrSchedule}' is not cosine or constant");
        if (!(EmaMomentum is >= 0 and <= 1)) errors.Add($"ema_momentum: {EmaMomentum} must be in [0, 1]");
        if (!Enum.IsDefined(EmaSchedule)) errors.Add($"ema_schedule: '{EmaSchedule}' is not cosine or constant");
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
        if (o.LrSchedule == ScheduleKind.Constant) return o.BaseLearningRate;
        double e = Epoch(step);
        if (e < o.WarmupEpochs) return o.BaseLearningRate * e / o.WarmupEpochs;
        double span = o.Epochs - o.WarmupEpochs;
        return span <= 0 ? o.BaseLearningRate : o.BaseLearningRate * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(1, (e - o.WarmupEpochs) / span)));
    }

    /// <summary>m = 1 − (1 − m₀)·½(1 + cos(π·e/E)).</summary>
    public double EmaMomentum(long step)
    {
        var o = Options;
        if (o.EmaSchedule == ScheduleKind.Constant) return o.EmaMomentum;
        return 1 - (1 - o.EmaMomentum) * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(1, Epoch(step) / o.Epochs)));
    }

    /// <summary>The optimizer's and the EMA's runtime scalars for a step, by graph input name.</summary>
    public Dictionary<string, float> At(long step) => new(StringComparer.Ordinal)
    {
        [ArtifactNames.Lr] = (float)LearningRate(step),
        [ArtifactNames.EmaMomentum] = (float)EmaMomentum(step),
    };
}
