namespace OnnxMec.GraphEngine.Tests;

/// <summary>Seeded test data.</summary>
internal static class TestRandom
{
    public static double[] Normal(int seed, long count, double scale = 1)
    {
        var rng = new Random(seed);
        var result = new double[count];
        for (long i = 0; i < count; i++)
            result[i] = scale * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        return result;
    }

    /// <summary>Values in ±[low, high]: away from zero, for ops with a kink there (ReLU, Abs).</summary>
    public static double[] AwayFromZero(int seed, long count, double low = 0.1, double high = 1.5)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, (int)count).Select(_ => (rng.Next(2) * 2 - 1) * (low + (high - low) * rng.NextDouble())).ToArray();
    }

    /// <summary>A shuffled ladder of distinct values at least `gap` apart, so max/min picks are unambiguous under small perturbations.</summary>
    public static double[] Distinct(int seed, long count, double gap = 0.05)
    {
        var rng = new Random(seed);
        var values = Enumerable.Range(0, (int)count).Select(i => (i - count / 2.0) * gap).ToArray();
        rng.Shuffle(values);
        return values;
    }

    public static double[] Uniform(int seed, long count, double low, double high)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, (int)count).Select(_ => low + (high - low) * rng.NextDouble()).ToArray();
    }
}
