namespace OnnxMec.Graphs;

/// <summary>How a tensor of a model starts, as torchvision and PyTorch initialise it.</summary>
public enum InitScheme
{
    Zeros,
    Ones,
    /// <summary>Kaiming-normal, fan_out, gain √2 (torchvision's ResNet convs): N(0, 2 / (out·kh·kw)).</summary>
    KaimingNormalFanOut,
    /// <summary>PyTorch's nn.Linear default for weight and bias: U(−1/√fan_in, 1/√fan_in).</summary>
    UniformFanIn,
}

/// <summary>Whether an optimizer updates a tensor, or it is a BatchNorm running statistic.</summary>
public enum TensorRole
{
    Param,
    BnStat,
}

/// <summary>A parameter or buffer of a model: torchvision state_dict name, shape, role and initialisation.</summary>
public sealed record ParameterSpec(string Name, long[] Shape, TensorRole Role, InitScheme Init, long FanIn = 0)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>Seeded initial values; the same seed gives the same numbers on every machine.</summary>
    public float[] Initialise(Random rng)
    {
        var values = new float[ElementCount];
        switch (Init)
        {
            case InitScheme.Ones:
                Array.Fill(values, 1f);
                break;
            case InitScheme.KaimingNormalFanOut:
                double std = Math.Sqrt(2.0 / (Shape[0] * Shape.Skip(2).Aggregate(1L, (a, b) => a * b)));
                for (long i = 0; i < values.Length; i++)
                    values[i] = (float)(std * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
                break;
            case InitScheme.UniformFanIn:
                double bound = 1 / Math.Sqrt(FanIn);
                for (long i = 0; i < values.Length; i++) values[i] = (float)((rng.NextDouble() * 2 - 1) * bound);
                break;
        }
        return values;
    }
}
