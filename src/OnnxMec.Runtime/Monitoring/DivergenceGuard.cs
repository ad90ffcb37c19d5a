namespace OnnxMec.Runtime;

/// <summary>What to do after a step.</summary>
public enum GuardVerdict
{
    Continue,
    Warn,
    Stop,
}

/// <summary>
/// Watches each step's metrics: a NaN or infinite loss or metric stops the run (naming the step and
/// the metric); a spectral-norm estimate of C at or above the limit means the Taylor series no longer
/// converges: a warning, once, or a stop when configured.
/// </summary>
public sealed class DivergenceGuard(double spectralLimit = 1.0, bool stopOnSpectral = false)
{
    private bool _warned;

    public (GuardVerdict Verdict, string? Message) Check(long step, StepMetrics m)
    {
        foreach (var (name, value) in new[] { ("loss", m.Loss), ("coding_length", m.CodingLength), ("positive_cosine", m.PositiveCosine), ("spectral_norm", m.SpectralNorm) })
            if (!float.IsFinite(value))
                return (GuardVerdict.Stop, $"step {step}: {name} is {value}; stopping, the last good checkpoint is kept");
        if (m.SpectralNorm >= spectralLimit)
        {
            string message = $"step {step}: the spectral-norm estimate of C is {m.SpectralNorm:F3} ≥ {spectralLimit}: the Taylor series of the MEC loss no longer converges (raise ε_d², i.e. lambda_inv, or lower the order)";
            if (stopOnSpectral) return (GuardVerdict.Stop, message + "; stopping");
            if (!_warned) { _warned = true; return (GuardVerdict.Warn, message); }
        }
        return (GuardVerdict.Continue, null);
    }
}
