using OnnxMec.Contract;
using OnnxMec.GraphEngine;

namespace OnnxMec.Graphs;

/// <summary>
/// What a loss builds from: the online network's predictor outputs p1, p2 for the two views, the
/// EMA target's projector outputs z1, z2 (the loss puts them under stop-gradient), and a way to
/// read a runtime scalar it declared.
/// </summary>
public sealed record LossInputs(GraphBuilder G, Value P1, Value P2, Value Z1, Value Z2, ArtifactConfig Config, Func<string, Value> Scalar);

/// <summary>A metric the loss reports every step; a limit, where given, is a level it should stay below (crossing it warns, or stops when the run asks).</summary>
public sealed record MetricSpec(string Name, string Description, double? Limit = null, string? LimitHint = null);

/// <summary>A float32 scalar graph input the loss reads, set for every step by the trainer from the loss's schedule.</summary>
public sealed record ScalarSpec(string Name, string Role, string Description);

/// <summary>The built loss: the scalar to minimise and the metrics, in the order of <see cref="ILoss.Metrics"/>.</summary>
public sealed record LossGraph(Value Loss, IReadOnlyList<Value> Metrics);

/// <summary>Where a run stands when a scalar's value is asked for: the step, the fractional epoch, the schedule's shape, the global batch, and the loss's settings.</summary>
public sealed record ScheduleContext(long Step, double Epoch, double WarmupEpochs, double Epochs, int GlobalBatch, IReadOnlyDictionary<string, double> Settings);

/// <summary>
/// A self-supervised loss over the online predictions and target projections of two views: its
/// graph, the metrics it reports, the runtime scalars it reads and their schedules, and the
/// run-time settings those schedules take. A new loss is one class implementing this and one line
/// in <see cref="Losses"/>; the runtime binds its scalars and metrics by the roles the manifest
/// declares, so it needs no change.
/// </summary>
public interface ILoss
{
    /// <summary>Every problem with the config fields this loss reads; empty when it can be built.</summary>
    IReadOnlyList<string> Validate(ArtifactConfig config);

    /// <summary>What the loss is, for the manifest's entry of its output.</summary>
    string Description { get; }

    IReadOnlyList<ScalarSpec> Scalars { get; }
    IReadOnlyList<MetricSpec> Metrics { get; }

    LossGraph Build(LossInputs inputs);

    /// <summary>The run-time settings the schedules read, with their defaults (a run's "Loss" section overrides them).</summary>
    IReadOnlyDictionary<string, double> DefaultSettings { get; }

    /// <summary>Every problem with a run's settings (names are those of <see cref="DefaultSettings"/>).</summary>
    IReadOnlyList<string> ValidateSettings(IReadOnlyDictionary<string, double> settings);

    /// <summary>The value of a declared scalar at a point of the run.</summary>
    double ScalarValue(string name, ScheduleContext context);
}
