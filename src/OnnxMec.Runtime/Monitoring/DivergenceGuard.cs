using System.Globalization;
using OnnxMec.Contract;

namespace OnnxMec.Runtime;

/// <summary>What to do after a step.</summary>
public enum GuardVerdict
{
    Continue,
    Warn,
    Stop,
}

/// <summary>
/// Watches each step's reported values: a NaN or infinite loss or metric stops the run (naming the
/// step and the value); a metric at or above the limit its manifest entry declares (MEC's spectral
/// norm of C: the Taylor series converges only below 1) warns, once per metric, or stops when the
/// run asks for that.
/// </summary>
public sealed class DivergenceGuard(IEnumerable<ManifestValue> reported, bool stopOnLimit = false)
{
    private readonly ManifestValue[] _limited = reported.Where(v => v.Limit is not null).ToArray();
    private readonly HashSet<string> _warned = new(StringComparer.Ordinal);

    public (GuardVerdict Verdict, string? Message) Check(long step, StepMetrics metrics)
    {
        foreach (var (name, value) in metrics.Values)
            if (!float.IsFinite(value))
                return (GuardVerdict.Stop, string.Create(CultureInfo.InvariantCulture, $"step {step}: {name} is {value}; stopping, the last good checkpoint is kept"));
        foreach (var limited in _limited)
        {
            if (!metrics.Values.TryGetValue(limited.Name, out float value) || value < limited.Limit) continue;
            string message = string.Create(CultureInfo.InvariantCulture, $"step {step}: {limited.Name} is {value:F3} ≥ {limited.Limit}") +
                (limited.LimitHint is { } hint ? ": " + hint : "");
            if (stopOnLimit) return (GuardVerdict.Stop, message + "; stopping");
            if (_warned.Add(limited.Name)) return (GuardVerdict.Warn, message);
        }
        return (GuardVerdict.Continue, null);
    }
}
