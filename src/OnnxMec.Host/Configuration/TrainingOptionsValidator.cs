using Microsoft.Extensions.Options;

namespace OnnxMec.Host.Configuration;

/// <summary>Checks every field of <see cref="TrainingOptions"/> and reports all the invalid ones at once.</summary>
public sealed class TrainingOptionsValidator : IValidateOptions<TrainingOptions>
{
    public ValidateOptionsResult Validate(string? name, TrainingOptions o)
    {
        var errors = Errors(o);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    public static List<string> Errors(TrainingOptions o)
    {
        var e = new List<string>();
        if (string.IsNullOrWhiteSpace(o.Artifacts)) e.Add("Artifacts: an artifact-set folder is required");
        if (o.BatchSize < 2) e.Add($"BatchSize: {o.BatchSize} must be at least 2 (BatchNorm needs a batch)");
        if (o.Epochs < 1) e.Add($"Epochs: {o.Epochs} must be at least 1");
        if (o.Threads < 0) e.Add($"Threads: {o.Threads} must not be negative");
        if (o.Device is not ("cpu" or "cuda" or "auto")) e.Add($"Device: '{o.Device}' is not cpu, cuda or auto");
        if (!(o.Lr > 0)) e.Add($"Lr: {o.Lr} must be positive");
        if (o.WarmupEpochs < 0 || o.WarmupEpochs > o.Epochs) e.Add($"WarmupEpochs: {o.WarmupEpochs} must be in [0, Epochs = {o.Epochs}]");
        if (o.LrSchedule is not ("cosine" or "constant")) e.Add($"LrSchedule: '{o.LrSchedule}' is not cosine or constant");
        if (!(o.EpsD2 > 0)) e.Add($"EpsD2: {o.EpsD2} must be positive");
        if (o.LambdaWarmupFactor < 1) e.Add($"LambdaWarmupFactor: {o.LambdaWarmupFactor} must be at least 1");
        if (o.EmaMomentum is < 0 or > 1) e.Add($"EmaMomentum: {o.EmaMomentum} must be in [0, 1]");
        if (o.EmaSchedule is not ("cosine" or "constant")) e.Add($"EmaSchedule: '{o.EmaSchedule}' is not cosine or constant");
        if (o.CheckpointEveryEpochs < 0) e.Add($"CheckpointEveryEpochs: {o.CheckpointEveryEpochs} must not be negative");
        if (o.CheckpointEverySteps < 0) e.Add($"CheckpointEverySteps: {o.CheckpointEverySteps} must not be negative");
        if (o.KeepCheckpoints < 1) e.Add($"KeepCheckpoints: {o.KeepCheckpoints} must be at least 1");
        if (o.InitWeights is { } init && !File.Exists(init)) e.Add($"InitWeights: {init} does not exist");

        var d = o.Data;
        if (d.Source is not ("fashion-mnist" or "fashion-mnist-embedded" or "idx" or "cifar10" or "cifar100" or "folder"))
            e.Add($"Data:Source: '{d.Source}' is not fashion-mnist, fashion-mnist-embedded, idx, cifar10, cifar100 or folder");
        if (d.Source is "idx" or "cifar10" or "cifar100" or "folder" && string.IsNullOrWhiteSpace(d.Train))
            e.Add($"Data:Train: a path is required for Source '{d.Source}'");
        if (d.Source == "idx" && d.Test is not null && d.TestLabels is null) e.Add("Data:TestLabels: the kNN queries need labels");
        if (d.Recipe is not ("small" or "imagenet")) e.Add($"Data:Recipe: '{d.Recipe}' is not small or imagenet");
        if (d.MinScale is <= 0 or > 1) e.Add($"Data:MinScale: {d.MinScale} must be in (0, 1]");
        if (d.Workers < 0) e.Add($"Data:Workers: {d.Workers} must not be negative");
        if (d.MaxPixels < 1) e.Add($"Data:MaxPixels: {d.MaxPixels} must be positive");
        if (d.EmbeddedQueries is < 0 or > 9000) e.Add($"Data:EmbeddedQueries: {d.EmbeddedQueries} must be in [0, 9000]");
        if ((d.Mean is null) != (d.Std is null)) e.Add("Data:Mean and Data:Std: give both or neither");
        if (d.Std is { } std && std.Any(s => !(s > 0))) e.Add("Data:Std: every value must be positive");

        var k = o.Knn;
        if (k.EveryEpochs < 0) e.Add($"Knn:EveryEpochs: {k.EveryEpochs} must not be negative");
        if (k.K < 1) e.Add($"Knn:K: {k.K} must be at least 1");
        if (!(k.Temperature > 0)) e.Add($"Knn:Temperature: {k.Temperature} must be positive");
        if (k.MaxBank < 0 || k.MaxQueries < 0) e.Add("Knn:MaxBank and Knn:MaxQueries must not be negative");
        return e;
    }
}
