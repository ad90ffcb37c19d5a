namespace OnnxMec.Contract;

/// <summary>
/// Initial values by scheme name, as torchvision and PyTorch initialise them. One seeded
/// <see cref="Random"/> is drawn from in manifest order, so a seed gives the same weights everywhere.
/// </summary>
public static class TensorInit
{
    public const string Zeros = "zeros";
    public const string Ones = "ones";

    /// <summary>Kaiming-normal, fan_out, gain √2 (torchvision's ResNet convs): N(0, 2 / (out·kh·kw)).</summary>
    public const string KaimingNormalFanOut = "kaiming_normal_fan_out";

    /// <summary>PyTorch's nn.Linear default for weight and bias: U(−1/√fan_in, 1/√fan_in).</summary>
    public const string UniformFanIn = "uniform_fan_in";

    /// <summary>A copy of another tensor (the EMA target starts as the online network).</summary>
    public const string Copy = "copy";

    public static float[] Fill(string scheme, long[] shape, long fanIn, Random rng)
    {
        long count = shape.Aggregate(1L, (a, b) => a * b);
        var values = new float[count];
        switch (scheme)
        {
            case Zeros:
                break;
            case Ones:
                Array.Fill(values, 1f);
                break;
            case KaimingNormalFanOut:
                double std = Math.Sqrt(2.0 / (shape[0] * shape.Skip(2).Aggregate(1L, (a, b) => a * b)));
                for (long i = 0; i < count; i++) values[i] = (float)(std * rng.NextGaussian());
                break;
            case UniformFanIn:
                double bound = 1 / Math.Sqrt(fanIn);
                for (long i = 0; i < count; i++) values[i] = (float)((rng.NextDouble() * 2 - 1) * bound);
                break;
            default:
                throw new InvalidDataException($"unknown init scheme '{scheme}'");
        }
        return values;
    }
}
