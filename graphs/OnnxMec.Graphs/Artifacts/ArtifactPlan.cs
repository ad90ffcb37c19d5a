using OnnxMec.Contract;

namespace OnnxMec.Graphs;

public enum OptimizerKind
{
    Sgd,
    Lars,
}

/// <summary>
/// An artifact config checked once and resolved into what builds it: the registered backbone and
/// loss its names pick, and the optimizer.
/// </summary>
public sealed record ArtifactPlan(ArtifactConfig Config, IBackbone Backbone, ILoss Loss, OptimizerKind Optimizer)
{
    /// <summary>Every invalid field at once: the shared ones, then the backbone's and the loss's own; empty when valid.</summary>
    public static IReadOnlyList<string> Validate(ArtifactConfig config)
    {
        var errors = new List<string>();
        var backbone = Backbones.All.Find(config.Arch);
        if (backbone is null) errors.Add(Backbones.All.UnknownMessage(config.Arch));
        var loss = Losses.All.Find(config.Loss);
        if (loss is null) errors.Add(Losses.All.UnknownMessage(config.Loss));
        errors.AddRange(config.Validate());
        if (ParseOptimizer(config.Optimizer) is null) errors.Add($"optimizer: '{config.Optimizer}' is not sgd or lars");
        if (backbone is not null) errors.AddRange(backbone.Validate(config));
        if (loss is not null) errors.AddRange(loss.Validate(config));
        return errors;
    }

    /// <summary>The plan of a valid config; an invalid one is an error listing every problem.</summary>
    public static ArtifactPlan Resolve(ArtifactConfig config, string name = "")
    {
        var errors = Validate(config);
        if (errors.Count > 0) throw new ArgumentException($"invalid artifact config{(name.Length > 0 ? $" for '{name}'" : "")}:\n  " + string.Join("\n  ", errors));
        return new ArtifactPlan(config, Backbones.All.Get(config.Arch), Losses.All.Get(config.Loss), ParseOptimizer(config.Optimizer)!.Value);
    }

    private static OptimizerKind? ParseOptimizer(string name) => name switch
    {
        "sgd" => OptimizerKind.Sgd,
        "lars" => OptimizerKind.Lars,
        _ => null,
    };
}
