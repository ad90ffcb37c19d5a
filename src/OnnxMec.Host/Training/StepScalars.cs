using OnnxMec.Graphs;
using OnnxMec.Runtime;

namespace OnnxMec.Host.Training;

/// <summary>
/// Every runtime scalar of a step: the optimizer's and the EMA's from the run's schedules, and the
/// loss's own from the loss's schedules (MEC: λ⁻¹ with its warm-up), by graph input name.
/// </summary>
internal sealed class StepScalars(Schedules schedules, ILoss loss, IReadOnlyDictionary<string, double> lossSettings, int globalBatch)
{
    public Schedules Schedules { get; } = schedules;

    public Dictionary<string, float> At(long step)
    {
        var values = Schedules.At(step);
        var o = Schedules.Options;
        var context = new ScheduleContext(step, Schedules.Epoch(step), o.WarmupEpochs, o.Epochs, globalBatch, lossSettings);
        foreach (var scalar in loss.Scalars) values[scalar.Name] = (float)loss.ScalarValue(scalar.Name, context);
        return values;
    }
}
