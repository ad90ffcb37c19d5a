namespace OnnxMec.Data;

/// <summary>
/// A small deterministic generator (SplitMix64) seeded from (seed, epoch, sample, stream): every
/// random draw of an augmentation is a function of those numbers alone, on every machine and
/// whatever thread runs it, so runs are reproducible and a resumed run sees the same views.
/// </summary>
public struct SampleRandom
{
    private ulong _state;

    public SampleRandom(long seed, long epoch, long sample, long stream)
    {
        _state = Mix((ulong)seed * 0x9E3779B97F4A7C15UL ^ Mix((ulong)epoch + 0x632BE59BD9B4E019UL) ^ Mix((ulong)sample * 0xD1B54A32D192ED03UL + (ulong)stream));
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextULong()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Mix(_state);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    public double Uniform(double low, double high) => low + (high - low) * NextDouble();

    public bool Chance(double p) => p >= 1 || (p > 0 && NextDouble() < p);

    /// <summary>Uniform integer in [0, n).</summary>
    public int Next(int n) => (int)(NextDouble() * n);
}
