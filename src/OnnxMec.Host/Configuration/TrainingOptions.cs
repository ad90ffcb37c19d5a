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

    /// <summary>ε_d²: λ = 1/(m·ε_d²). The reference's ε = 64, d = 2048 gives 1/32; ε_d² ≥ 1 guarantees convergence of the series.</summary>
    public double EpsD2 { get; set; } = 1.0;

    /// <summary>λ⁻¹ starts at this multiple and falls to its value over the warm-up (reference: 8).</summary>
    public double LambdaWarmupFactor { get; set; } = 8;

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

    /// <summary>Write encoder.onnx and training.png at the end.</summary>
    public bool Export { get; set; } = true;
}

public sealed class DataOptions
{
    /// <summary>
    /// fashion-mnist (the Debian package's train split where installed, else the embedded test
    /// split), fashion-mnist-embedded, idx, cifar10, cifar100, or folder.
    /// </summary>
    public string Source { get; set; } = "fashion-mnist";

    /// <summary>Training data: IDX image file, CIFAR batch files (comma-separated) or an image folder.</summary>
    public string? Train { get; set; }
    public string? TrainLabels { get; set; }

    /// <summary>Held-out queries for the kNN monitor (same kinds as <see cref="Train"/>).</summary>
    public string? Test { get; set; }
    public string? TestLabels { get; set; }

    /// <summary>small (28×28 / 32×32) or imagenet (MoCo v3's).</summary>
    public string Recipe { get; set; } = "small";

    /// <summary>Smallest crop area fraction of RandomResizedCrop.</summary>
    public double MinScale { get; set; } = 0.2;

    /// <summary>Loader worker threads; 0 = one per core.</summary>
    public int Workers { get; set; }

    public bool SkipBadImages { get; set; }
    public long MaxPixels { get; set; } = 40_000_000;

    /// <summary>Images the embedded split keeps out of training as kNN queries.</summary>
    public int EmbeddedQueries { get; set; } = 2000;

    /// <summary>Normalisation mean and std per channel (default: the dataset's or ImageNet's).</summary>
    public float[]? Mean { get; set; }
    public float[]? Std { get; set; }
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
