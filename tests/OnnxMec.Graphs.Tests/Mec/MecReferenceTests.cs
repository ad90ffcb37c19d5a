namespace OnnxMec.Graphs.Tests.Mec;

public class MecReferenceTests
{
    [Test]
    public void The_exact_log_det_of_a_small_non_symmetric_matrix_matches_by_hand()
    {
        // I + C = [[2, 1, 0], [3, 1, 1], [0, 2, 4]]: det = 2(4 − 2) − 1(12 − 0) = −8 → no real log;
        // [[2, 1, 0], [0.5, 3, 1], [0, 2, 4]]: det = 2(12 − 2) − 1(2 − 0) = 18.
        Assert.That(MecReference.LogDetIdentityPlus(new double[,] { { 1, 1, 0 }, { 3, 0, 1 }, { 0, 2, 3 } }), Is.NaN);
        Assert.That(MecReference.LogDetIdentityPlus(new double[,] { { 1, 1, 0 }, { 0.5, 2, 1 }, { 0, 2, 3 } }), Is.EqualTo(Math.Log(18)).Within(1e-14));
    }

    [Test]
    public void A_pivot_is_needed_and_taken()
    {
        // I + C = [[0, 1], [1, 0]] has a zero first pivot; det = −1 (NaN log), and [[0, 2], [−1, 0]] has det 2.
        Assert.That(MecReference.LogDetIdentityPlus(new double[,] { { -1, 2 }, { -1, -1 } }), Is.EqualTo(Math.Log(2)).Within(1e-15));
    }

    [Test]
    public void The_taylor_trace_converges_to_the_exact_log_det_when_the_spectral_norm_is_below_1()
    {
        var rng = new Random(3);
        int m = 30;
        var c = new double[m, m];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < m; j++) c[i, j] = (rng.NextDouble() - 0.5) * 0.03;
        double sigma = MecReference.SpectralNorm(c);
        Assert.That(sigma, Is.LessThan(0.5));
        double exact = MecReference.LogDetIdentityPlus(c);
        double previous = double.PositiveInfinity;
        foreach (int order in new[] { 1, 2, 4, 8 })
        {
            double error = Math.Abs(MecReference.TaylorTrace(c, order) - exact);
            Assert.That(error, Is.LessThan(Math.Pow(sigma, order + 1) * m), $"order {order}");
            Assert.That(error, Is.LessThan(previous));
            previous = error;
        }
    }
}
