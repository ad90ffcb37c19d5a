namespace OnnxMec.Host.Evaluation;

/// <summary>Where a class stands in a score vector: how many classes rank before it.</summary>
internal static class Ranking
{
    /// <summary>
    /// The position of <paramref name="truth"/> when classes are ranked by score, higher first, ties
    /// to the lower index (as argmax does). A NaN score ranks last, so broken scores never count as
    /// right.
    /// </summary>
    public static int RankOf(ReadOnlySpan<double> scores, int truth)
    {
        double t = scores[truth];
        if (double.IsNaN(t)) return scores.Length;
        int rank = 0;
        for (int c = 0; c < scores.Length; c++)
            if (c != truth && !double.IsNaN(scores[c]) && (scores[c] > t || scores[c] == t && c < truth)) rank++;
        return rank;
    }

    public static int RankOf(ReadOnlySpan<float> scores, int truth)
    {
        Span<double> wide = scores.Length <= 256 ? stackalloc double[scores.Length] : new double[scores.Length];
        for (int i = 0; i < scores.Length; i++) wide[i] = scores[i];
        return RankOf(wide, truth);
    }
}
