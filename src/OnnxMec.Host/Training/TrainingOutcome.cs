using OnnxMec.Host.Evaluation;

namespace OnnxMec.Host.Training;

/// <summary>A kNN accuracy with the step of the weights it was measured on.</summary>
public sealed record MeasuredKnn(KnnResult Result, long Step, string Label);

/// <summary>How a run ended: where it stands, what was measured on which weights, and what failed after training, if anything.</summary>
public sealed record TrainingOutcome
{
    public required string RunDir { get; init; }
    public required long Steps { get; init; }
    public required long TotalSteps { get; init; }
    public required double Seconds { get; init; }

    /// <summary>The kNN accuracy of the weights the run started from (a fresh run only).</summary>
    public MeasuredKnn? KnnInit { get; init; }

    /// <summary>The newest kNN accuracy; it describes the final weights only where its step is <see cref="Steps"/>.</summary>
    public MeasuredKnn? KnnLast { get; init; }

    public bool Interrupted { get; init; }
    public string? StopReason { get; init; }
    public int SkippedImages { get; init; }
    public string? Encoder { get; init; }
    public string? Checkpoint { get; init; }

    /// <summary>What failed after the trained state was checkpointed (evaluation, export, the chart); the checkpoint is intact.</summary>
    public IReadOnlyList<string> Failures { get; init; } = [];

    /// <summary>The kNN accuracy of the weights the run ended with, where it was measured on them.</summary>
    public KnnResult? KnnFinal => KnnLast is { } k && k.Step == Steps ? k.Result : null;
}
