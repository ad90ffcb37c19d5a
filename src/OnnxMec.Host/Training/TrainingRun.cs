using System.Runtime.ExceptionServices;
using OnnxMec.Host.Configuration;

namespace OnnxMec.Host.Training;

/// <summary>One hosted training run: what it is asked to do, where its progress goes, and, once the host has stopped, how it ended.</summary>
internal sealed class TrainingRun(TrainingSettings settings, bool resume, TextWriter output)
{
    public TrainingSettings Settings { get; } = settings;
    public bool Resume { get; } = resume;
    public TextWriter Output { get; } = output;

    public TrainingOutcome? Outcome { get; set; }

    /// <summary>The exception that ended the run, captured with its stack so a genuine bug keeps its original trace when rethrown.</summary>
    public ExceptionDispatchInfo? Failure { get; set; }
}
