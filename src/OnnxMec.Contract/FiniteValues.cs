namespace OnnxMec.Contract;

public static class FiniteValues
{
    /// <summary>The index of the first NaN or infinite value, or −1.</summary>
    public static int FirstNonFinite(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i])) return i;
        return -1;
    }
}
