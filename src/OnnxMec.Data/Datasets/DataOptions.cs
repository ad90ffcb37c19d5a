namespace OnnxMec.Data;

/// <summary>Where a run's images come from and how its views are made: the "Data" section of a training config.</summary>
public sealed class DataOptions
{
    /// <summary>A name of <see cref="DatasetSources"/>: fashion-mnist, fashion-mnist-embedded, idx, cifar10, cifar100 or folder.</summary>
    public string Source { get; set; } = "fashion-mnist";

    /// <summary>Training data: IDX image file, CIFAR batch files (comma-separated) or an image folder.</summary>
    public string? Train { get; set; }
    public string? TrainLabels { get; set; }

    /// <summary>Train on the first this many training images only (0: all); they are also the kNN bank.</summary>
    public int MaxTrain { get; set; }

    /// <summary>Held-out queries for the kNN monitor (same kinds as <see cref="Train"/>).</summary>
    public string? Test { get; set; }
    public string? TestLabels { get; set; }

    /// <summary>small (28×28 / 32×32) or imagenet (MoCo v3's).</summary>
    public string Recipe { get; set; } = "small";

    /// <summary>Smallest crop area fraction of RandomResizedCrop.</summary>
    public double MinScale { get; set; } = 0.2;

    /// <summary>
    /// Colour jitter strength of the training views: brightness and contrast factors drawn from 1 ± this
    /// (the imagenet recipe also scales saturation and hue with it); 0 turns jitter off.
    /// </summary>
    public double Jitter { get; set; } = Recipes.DefaultJitter;

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
