using OnnxMec.Data;

namespace OnnxMec.Host.Configuration;

/// <summary>
/// Everything a training run is configured by, bound from a JSON file (--config), ONNXMEC__…
/// environment variables and command-line overrides, in that order of precedence (last wins).
/// </summary>
public sealed class TrainingOptions
{
    /// <summary>The artifact-set folder to train with.</summary>
    public string Artifacts { get; set; } = "artifacts/resnet18-mini";

    public DataOptions Data { get; set; } = new();
    public int BatchSize { get; set; } = 128;
    public int Epochs { get; set; } = 10;
    /// <summary>Seeds the initial weights (the set's own seed uses its weights file), the data order and every augmentation draw.</summary>
    public int Seed { get; set; }

    /// <summary>ONNX Runtime intra-op threads; 0 = one per core. Fix it for bit-reproducible runs.</summary>
    public int Threads { get; set; }

    /// <summary>cpu, cuda or auto.</summary>
    public string Device { get; set; } = "cpu";

    /// <summary>Base learning rate (the reference scales 0.5 · batch/256 for ImageNet).</summary>
    public double Lr { get; set; } = 0.05;
    public double WarmupEpochs { get; set; } = 1;

    /// <summary>cosine (linear warm-up, then cosine to 0) or constant.</summary>
    public string LrSchedule { get; set; } = "cosine";

    /// <summary>
    /// The loss's own run-time settings, by name; unset ones take the loss's defaults. MEC:
    /// <c>EpsD2</c> (ε_d², λ = 1/(m·ε_d²); the reference's ε = 64 at d = 2048 gives 1/32, and ε_d² ≥ 1
    /// keeps the series convergent; default 1) and <c>LambdaWarmupFactor</c> (λ⁻¹ starts at this
    /// multiple and falls to its value over the warm-up; reference and default 8).
    /// </summary>
    public Dictionary<string, double> Loss { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public double EmaMomentum { get; set; } = 0.996;

    /// <summary>cosine (to 1 over the run) or constant.</summary>
    public string EmaSchedule { get; set; } = "cosine";

    public KnnOptions Knn { get; set; } = new();

    public int CheckpointEveryEpochs { get; set; } = 1;

    /// <summary>Also checkpoint every this many steps (0: never mid-epoch).</summary>
    public int CheckpointEverySteps { get; set; }
    public int KeepCheckpoints { get; set; } = 3;

    /// <summary>Stop, rather than warn, when the spectral-norm estimate of C reaches 1.</summary>
    public bool StopOnSpectralNorm { get; set; }

    /// <summary>The run folder (default: runs/&lt;artifact set&gt;-&lt;UTC time&gt;).</summary>
    public string? RunDir { get; set; }

    /// <summary>A safetensors file of online weights with torchvision names to start from.</summary>
    public string? InitWeights { get; set; }

    /// <summary>
    /// At the end of training, replace the encoder's BatchNorm running statistics (moving averages
    /// over augmented views) by its batch statistics averaged over this many un-augmented training
    /// images, before the final checkpoint is measured and exported (0: keep training's).
    /// </summary>
    public int RecalibrateBatchNorm { get; set; }

    /// <summary>Write encoder.onnx and training.png at the end.</summary>
    public bool Export { get; set; } = true;
}

public sealed class KnnOptions
{
    /// <summary>Run the kNN monitor every this many epochs (0: only at the start and the end).</summary>
    public int EveryEpochs { get; set; }
    public bool AtStart { get; set; } = true;
    public int K { get; set; } = 200;
    public double Temperature { get; set; } = 0.1;

    /// <summary>Use at most this many bank images and queries (0: all).</summary>
    public int MaxBank { get; set; }
    public int MaxQueries { get; set; }
}
