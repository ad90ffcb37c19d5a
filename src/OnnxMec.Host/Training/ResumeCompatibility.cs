using System.Globalization;
using System.Text.Json;
using OnnxMec.Host.Configuration;

namespace OnnxMec.Host.Training;

/// <summary>
/// What a resumed run may change. Settings that shape the trajectory (batch, data, seed, the
/// schedules, the loss's settings) must equal the checkpoint's run, or the resumed steps would not
/// be the ones the run was on: each difference is listed and the resume refused. Settings that only
/// decide how and where it runs, or how it is watched (threads, device, workers, kNN cadence,
/// checkpoint cadence, export), may change and are reported. More epochs are allowed only with
/// constant schedules: a cosine's shape depends on the total, so the learning rate would jump.
/// </summary>
internal static class ResumeCompatibility
{
    private sealed record Setting(string Name, Func<TrainingOptions, object?> Value, bool Breaking);

    private static readonly Setting[] Settings =
    [
        new("BatchSize", o => o.BatchSize, true),
        new("Seed", o => o.Seed, true),
        new("Lr", o => o.Lr, true),
        new("WarmupEpochs", o => o.WarmupEpochs, true),
        new("LrSchedule", o => o.LrSchedule, true),
        new("EmaMomentum", o => o.EmaMomentum, true),
        new("EmaSchedule", o => o.EmaSchedule, true),
        new("Loss", o => string.Join(", ", o.Loss.OrderBy(kv => kv.Key, StringComparer.OrdinalIgnoreCase).Select(kv => $"{kv.Key}={kv.Value.ToString(CultureInfo.InvariantCulture)}")), true),
        new("Data:Source", o => o.Data.Source, true),
        new("Data:Train", o => o.Data.Train, true),
        new("Data:TrainLabels", o => o.Data.TrainLabels, true),
        new("Data:MaxTrain", o => o.Data.MaxTrain, true),
        new("Data:Test", o => o.Data.Test, true),
        new("Data:TestLabels", o => o.Data.TestLabels, true),
        new("Data:Recipe", o => o.Data.Recipe, true),
        new("Data:MinScale", o => o.Data.MinScale, true),
        new("Data:Jitter", o => o.Data.Jitter, true),
        new("Data:EmbeddedQueries", o => o.Data.EmbeddedQueries, true),
        new("Data:SkipBadImages", o => o.Data.SkipBadImages, true),
        new("Data:MaxPixels", o => o.Data.MaxPixels, true),
        new("Threads", o => o.Threads, false),
        new("Device", o => o.Device, false),
        new("Data:Workers", o => o.Data.Workers, false),
        new("Knn", o => JsonSerializer.Serialize(o.Knn, ConfigurationJsonContext.Default.KnnOptions), false),
        new("CheckpointEveryEpochs", o => o.CheckpointEveryEpochs, false),
        new("CheckpointEverySteps", o => o.CheckpointEverySteps, false),
        new("KeepCheckpoints", o => o.KeepCheckpoints, false),
        new("Export", o => o.Export, false),
        new("RecalibrateBatchNorm", o => o.RecalibrateBatchNorm, false),
        new("StopOnSpectralNorm", o => o.StopOnSpectralNorm, false),
    ];

    /// <summary>
    /// The differences between the checkpoint's run and the resumed one: those that refuse the resume,
    /// and the allowed ones (to report). Normalisation is compared as it takes effect.
    /// </summary>
    public static (List<string> Refused, List<string> Allowed) Compare(TrainingOptions before, TrainingOptions after,
        (float[] Mean, float[] Std) normalisationBefore, (float[] Mean, float[] Std) normalisationAfter)
    {
        var refused = new List<string>();
        var allowed = new List<string>();
        foreach (var s in Settings)
        {
            string a = Show(s.Value(before)), b = Show(s.Value(after));
            if (a != b) (s.Breaking ? refused : allowed).Add($"{s.Name}: {a} → {b}");
        }
        string meanBefore = Show(normalisationBefore), meanAfter = Show(normalisationAfter);
        if (meanBefore != meanAfter) refused.Add($"Data:Mean/Std: {meanBefore} → {meanAfter}");
        if (before.Epochs != after.Epochs)
        {
            bool cosine = before.LrSchedule == "cosine" || before.EmaSchedule == "cosine";
            if (cosine) refused.Add($"Epochs: {before.Epochs} → {after.Epochs} (the cosine schedules are shaped by the total; only constant schedules can be extended)");
            else allowed.Add($"Epochs: {before.Epochs} → {after.Epochs}");
        }
        return (refused, allowed);
    }

    private static string Show(object? value) => value switch
    {
        null => "(none)",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        (float[] mean, float[] std) => $"[{string.Join(", ", mean.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))}]/[{string.Join(", ", std.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))}]",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "(none)",
    };
}
