using OnnxMec.Contract;

namespace OnnxMec.Graphs;

/// <summary>Whether an optimizer updates a tensor, or it is a BatchNorm running statistic.</summary>
public enum TensorRole
{
    Param,
    BnStat,
}

/// <summary>
/// A parameter or buffer of a model: torchvision state_dict name, shape, role and initialisation
/// (a <see cref="TensorInit"/> scheme name).
/// </summary>
public sealed record ParameterSpec(string Name, long[] Shape, TensorRole Role, string Init, long FanIn = 0)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
}
