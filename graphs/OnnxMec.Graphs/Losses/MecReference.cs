namespace OnnxMec.Graphs;

/// <summary>
/// Double-precision reference of MEC's coding length, exact and by its Taylor series, to check the
/// loss graph against and to measure the series' error. Matrices are row-major [rows, cols]; the
/// samples are rows, so the paper's Z1ᵀZ2 (m×m) is P Zᵀ here.
/// </summary>
public static class MecReference
{
    /// <summary>log det(I + C) by LU with partial pivoting (C = λ P Zᵀ is not symmetric); NaN when det(I + C) ≤ 0.</summary>
    public static double LogDetIdentityPlus(double[,] c)
    {
        int n = c.GetLength(0);
        var a = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) a[i, j] = c[i, j] + (i == j ? 1 : 0);
        double logDet = 0;
        int sign = 1;
        for (int k = 0; k < n; k++)
        {
            int pivot = k;
            for (int i = k + 1; i < n; i++) if (Math.Abs(a[i, k]) > Math.Abs(a[pivot, k])) pivot = i;
            if (a[pivot, k] == 0) return double.NegativeInfinity;
            if (pivot != k)
            {
                sign = -sign;
                for (int j = 0; j < n; j++) (a[k, j], a[pivot, j]) = (a[pivot, j], a[k, j]);
            }
            double diagonal = a[k, k];
            if (diagonal < 0) sign = -sign;
            logDet += Math.Log(Math.Abs(diagonal));
            System.Threading.Tasks.Parallel.For(k + 1, n, i =>
            {
                double f = a[i, k] / diagonal;
                if (f == 0) return;
                for (int j = k + 1; j < n; j++) a[i, j] -= f * a[k, j];
            });
        }
        return sign > 0 ? logDet : double.NaN;
    }

    /// <summary>tr Σ_{k=1..n} (−1)^{k+1} C^k / k with every power multiplied out, as the reference code does.</summary>
    public static double TaylorTrace(double[,] c, int order)
    {
        int m = c.GetLength(0);
        var power = (double[,])c.Clone();
        double total = Trace(power);
        for (int k = 2; k <= order; k++)
        {
            power = Multiply(power, c);
            total += (k % 2 == 0 ? -1.0 : 1.0) / k * Trace(power);
        }
        return total;
    }

    /// <summary>C = λ P Zᵀ (batch form, m×m) or λ Pᵀ Z (feature form, d×d).</summary>
    public static double[,] Correlation(double[,] p, double[,] z, double lambda, bool featureForm = false)
    {
        var c = featureForm ? Multiply(Transpose(p), z) : Multiply(p, Transpose(z));
        for (int i = 0; i < c.GetLength(0); i++)
            for (int j = 0; j < c.GetLength(1); j++) c[i, j] *= lambda;
        return c;
    }

    /// <summary>Rows scaled to unit L2 norm (F.normalize along dim 1).</summary>
    public static double[,] NormalizeRows(double[,] x)
    {
        int rows = x.GetLength(0), cols = x.GetLength(1);
        var y = new double[rows, cols];
        for (int i = 0; i < rows; i++)
        {
            double norm = 0;
            for (int j = 0; j < cols; j++) norm += x[i, j] * x[i, j];
            norm = Math.Max(Math.Sqrt(norm), 1e-12);
            for (int j = 0; j < cols; j++) y[i, j] = x[i, j] / norm;
        }
        return y;
    }

    /// <summary>The training loss as the reference computes it: −(T(p1, z2) + T(p2, z1)) / 2 / m · λ⁻¹.</summary>
    public static double Loss(double[,] p1, double[,] p2, double[,] z1, double[,] z2, double lambdaInv, int order, bool featureForm = false)
    {
        int m = p1.GetLength(0);
        double lambda = 1 / lambdaInv;
        double t12 = TaylorTrace(Correlation(NormalizeRows(p1), NormalizeRows(z2), lambda, featureForm), order);
        double t21 = TaylorTrace(Correlation(NormalizeRows(p2), NormalizeRows(z1), lambda, featureForm), order);
        return -(t12 + t21) * 0.5 / m * lambdaInv;
    }

    /// <summary>‖C‖₂, the largest singular value, by power iteration on CᵀC run to convergence.</summary>
    public static double SpectralNorm(double[,] c)
    {
        var v = Enumerable.Range(0, c.GetLength(1)).Select(i => 1.0 + 0.01 * i).ToArray();
        double sigma = 0;
        for (int it = 0; it < 10_000; it++)
        {
            var next = Apply(c, Apply(c, v, transpose: false), transpose: true);
            double norm = Math.Sqrt(next.Sum(x => x * x));
            if (norm == 0) return 0;
            v = next.Select(x => x / norm).ToArray();
            double estimate = Math.Sqrt(norm);
            if (Math.Abs(estimate - sigma) <= 1e-14 * estimate) break;
            sigma = estimate;
        }
        return Math.Sqrt(Apply(c, v, transpose: false).Sum(x => x * x));
    }

    private static double[] Apply(double[,] a, double[] v, bool transpose)
    {
        int rows = a.GetLength(0), cols = a.GetLength(1);
        var result = new double[transpose ? cols : rows];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                if (transpose) result[j] += a[i, j] * v[i];
                else result[i] += a[i, j] * v[j];
        return result;
    }

    public static double Trace(double[,] a)
    {
        double t = 0;
        for (int i = 0; i < a.GetLength(0); i++) t += a[i, i];
        return t;
    }

    public static double[,] Transpose(double[,] a)
    {
        var t = new double[a.GetLength(1), a.GetLength(0)];
        for (int i = 0; i < a.GetLength(0); i++)
            for (int j = 0; j < a.GetLength(1); j++) t[j, i] = a[i, j];
        return t;
    }

    public static double[,] Multiply(double[,] a, double[,] b)
    {
        int n = a.GetLength(0), k = a.GetLength(1), m = b.GetLength(1);
        if (b.GetLength(0) != k) throw new ArgumentException($"cannot multiply [{n},{k}] by [{b.GetLength(0)},{m}]");
        var c = new double[n, m];
        System.Threading.Tasks.Parallel.For(0, n, i =>
        {
            for (int p = 0; p < k; p++)
            {
                double aip = a[i, p];
                if (aip == 0) continue;
                for (int j = 0; j < m; j++) c[i, j] += aip * b[p, j];
            }
        });
        return c;
    }
}
