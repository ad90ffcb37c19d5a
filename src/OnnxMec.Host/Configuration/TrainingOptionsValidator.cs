using OnnxMec.Data;
using OnnxMec.Runtime;

namespace OnnxMec.Host.Configuration;

/// <summary>Checks every field of <see cref="TrainingOptions"/> at once and parses its choices into types.</summary>
public static class TrainingOptionsValidator
{
    private static readonly Dictionary<string, DeviceKind> Devices = new(StringComparer.Ordinal) { ["cpu"] = DeviceKind.Cpu, ["cuda"] = DeviceKind.Cuda, ["auto"] = DeviceKind.Auto };
    private static readonly Dictionary<string, ScheduleKind> Shapes = new(StringComparer.Ordinal) { ["cosine"] = ScheduleKind.Cosine, ["constant"] = ScheduleKind.Constant };
    private static readonly Dictionary<string, DataRecipe> RecipeNames = new(StringComparer.Ordinal) { ["small"] = DataRecipe.Small, ["imagenet"] = DataRecipe.ImageNet };

    /// <summary>The settings of valid options; invalid ones throw <see cref="OptionsInvalidException"/> listing every problem.</summary>
    public static TrainingSettings Resolve(TrainingOptions o)
    {
        var e = Errors(o);
        if (e.Count > 0) throw new OptionsInvalidException(e);
        var schedule = new ScheduleOptions
        {
            BaseLearningRate = o.Lr, WarmupEpochs = o.WarmupEpochs, Epochs = o.Epochs, LrSchedule = Shapes[o.LrSchedule],
            EmaMomentum = o.EmaMomentum, EmaSchedule = Shapes[o.EmaSchedule],
        };
        return new TrainingSettings(o, Devices[o.Device], schedule, DatasetSources.Find(o.Data.Source)!, RecipeNames[o.Data.Recipe]);
    }

    public static List<string> Errors(TrainingOptions o)
    {
        var e = new List<string>();
        if (string.IsNullOrWhiteSpace(o.Artifacts)) e.Add("Artifacts: an artifact-set folder is required");
        if (o.BatchSize is < 2 or > 65536) e.Add($"BatchSize: {o.BatchSize} must be from 2 (BatchNorm needs a batch) to 65536");
        if (o.Epochs is < 1 or > 100_000) e.Add($"Epochs: {o.Epochs} must be from 1 to 100000");
        if (o.Threads is < 0 or > 1024) e.Add($"Threads: {o.Threads} must be from 0 (one per core) to 1024");
        if (!Devices.ContainsKey(o.Device)) e.Add($"Device: '{o.Device}' is not {string.Join(", ", Devices.Keys)}");
        if (!(o.Lr > 0) || double.IsInfinity(o.Lr)) e.Add($"Lr: {o.Lr} must be a positive number");
        if (!(o.WarmupEpochs >= 0 && o.WarmupEpochs <= o.Epochs)) e.Add($"WarmupEpochs: {o.WarmupEpochs} must be in [0, Epochs = {o.Epochs}]");
        if (!Shapes.ContainsKey(o.LrSchedule)) e.Add($"LrSchedule: '{o.LrSchedule}' is not cosine or constant");
        foreach (var (key, value) in o.Loss)
            if (!double.IsFinite(value)) e.Add($"Loss:{key}: {value} must be a finite number");
        if (!(o.EmaMomentum is >= 0 and <= 1)) e.Add($"EmaMomentum: {o.EmaMomentum} must be in [0, 1]");
        if (!Shapes.ContainsKey(o.EmaSchedule)) e.Add($"EmaSchedule: '{o.EmaSchedule}' is not cosine or constant");
        if (o.CheckpointEveryEpochs < 0) e.Add($"CheckpointEveryEpochs: {o.CheckpointEveryEpochs} must not be negative");
        if (o.CheckpointEverySteps < 0) e.Add($"CheckpointEverySteps: {o.CheckpointEverySteps} must not be negative");
        if (o.KeepCheckpoints is < 1 or > 10_000) e.Add($"KeepCheckpoints: {o.KeepCheckpoints} must be from 1 to 10000");
        if (o.RecalibrateBatchNorm < 0) e.Add($"RecalibrateBatchNorm: {o.RecalibrateBatchNorm} must be 0 (off) or a count of images");
        if (o.InitWeights is { Length: 0 }) e.Add("InitWeights: an empty path");
        if (o.RunDir is { Length: 0 }) e.Add("RunDir: an empty path");

        var d = o.Data;
        var source = DatasetSources.Find(d.Source);
        if (source is null) e.Add($"Data:Source: '{d.Source}' is not {DatasetSources.Names}");
        else if (source.NeedsTrainPath && string.IsNullOrWhiteSpace(d.Train)) e.Add($"Data:Train: a path is required for Source '{d.Source}'");
        if (d.Source == "idx" && d.Test is not null && d.TestLabels is null) e.Add("Data:TestLabels: the kNN queries need labels");
        if (!RecipeNames.ContainsKey(d.Recipe)) e.Add($"Data:Recipe: '{d.Recipe}' is not small or imagenet");
        if (!(d.MinScale is > 0 and <= 1)) e.Add($"Data:MinScale: {d.MinScale} must be in (0, 1]");
        // A factor 1 ± s must stay positive: at s ≥ 1 an image could be scaled to black or inverted.
        if (!(d.Jitter is >= 0 and < 1)) e.Add($"Data:Jitter: {d.Jitter} must be in [0, 1)");
        if (d.Workers is < 0 or > 256) e.Add($"Data:Workers: {d.Workers} must be from 0 (one per core) to 256");
        if (d.MaxPixels < 1) e.Add($"Data:MaxPixels: {d.MaxPixels} must be positive");
        if (d.MaxTrain < 0) e.Add($"Data:MaxTrain: {d.MaxTrain} must be 0 (all images) or a positive count");
        if (d.EmbeddedQueries is < 0 or > 9000) e.Add($"Data:EmbeddedQueries: {d.EmbeddedQueries} must be in [0, 9000]");
        if ((d.Mean is null) != (d.Std is null)) e.Add("Data:Mean and Data:Std: give both or neither");
        if (d.Mean is { } mean && (mean.Length is not (1 or 3) || mean.Any(m => !float.IsFinite(m)))) e.Add("Data:Mean: one or three finite numbers");
        if (d.Std is { } std && (std.Length != d.Mean?.Length || std.Any(s => !(s > 0) || float.IsInfinity(s)))) e.Add("Data:Std: as many positive finite numbers as Data:Mean");

        var k = o.Knn;
        if (k.EveryEpochs < 0) e.Add($"Knn:EveryEpochs: {k.EveryEpochs} must not be negative");
        if (k.K is < 1 or > 100_000) e.Add($"Knn:K: {k.K} must be from 1 to 100000");
        if (!(k.Temperature > 0) || double.IsInfinity(k.Temperature)) e.Add($"Knn:Temperature: {k.Temperature} must be a positive number");
        if (k.MaxBank < 0 || k.MaxQueries < 0) e.Add("Knn:MaxBank and Knn:MaxQueries must not be negative");
        return e;
    }
}
