namespace OnnxMec.Contract;

public static class RandomExtensions
{
    /// <summary>A standard normal draw by the Box–Muller transform (two uniform draws, in this order), so a seed gives the same values everywhere.</summary>
    public static double NextGaussian(this Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
