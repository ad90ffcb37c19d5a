using OnnxMec.Data;
using OnnxMec.Runtime;

namespace OnnxMec.Host.Configuration;

/// <summary>How the training views are made.</summary>
public enum DataRecipe
{
    /// <summary>28×28 and 32×32 images: crop, flip, brightness/contrast jitter.</summary>
    Small,
    /// <summary>MoCo v3's ImageNet recipe (3-channel input).</summary>
    ImageNet,
}

/// <summary>
/// A run's settings once checked: the options as given, and every choice that was a string
/// parsed into its type. Made once, by <see cref="TrainingOptionsValidator.Resolve"/>.
/// </summary>
public sealed record TrainingSettings(TrainingOptions Options, DeviceKind Device, ScheduleOptions Schedule, DatasetSource DataSource, DataRecipe Recipe);
