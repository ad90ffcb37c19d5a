using OnnxMec.Graphs;
using OnnxMec.Contract;

namespace OnnxMec.Runtime.Tests;

/// <summary>Shared test material: a small artifact set in a temporary folder and seeded batches.</summary>
internal static class Fixtures
{
    /// <summary>A 4-channel ResNet-18 on 8×8 grey images: every graph runs in milliseconds.</summary>
    public static ArtifactConfig TinyConfig { get; } = new()
    {
        Arch = "resnet18", Stem = "cifar", Width = 1.0 / 16, ImageSize = 8, Channels = 1,
        ProjectorDims = [16, 16], PredictorHidden = 8, WeightDecay = 1e-3, ZeroInitResidual = false,
    };

    private static readonly Lazy<ArtifactSet> Tiny = new(() => ArtifactSetBuilder.Build("tiny", TinyConfig));

    /// <summary>A fresh copy of the tiny set in its own folder, so tests may damage it.</summary>
    public static string TinySetFolder()
    {
        string folder = Directory.CreateTempSubdirectory("onnxmec-set-").FullName;
        Tiny.Value.WriteTo(folder);
        return folder;
    }

    public static SessionFactory Cpu(int threads = 1, StateMemory? memory = null) => new(new RuntimeOptions { Threads = threads, StateMemory = memory });

    public const int Batch = 8;

    public static float[] Images(int seed, int batch = Batch, ArtifactConfig? config = null)
    {
        var c = config ?? TinyConfig;
        var rng = new Random(seed);
        return Enumerable.Range(0, batch * c.Channels * c.ImageSize * c.ImageSize).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
    }

    /// <summary>Two views of one batch: the second a noisy copy of the first, as two augmentations would be.</summary>
    public static (float[] View1, float[] View2) Views(int step)
    {
        var first = Images(1000 + step);
        var noise = Images(2000 + step);
        return (first, first.Zip(noise, (a, b) => a + 0.3f * b).ToArray());
    }

    public static IReadOnlyDictionary<string, float> Scalars { get; } = new Dictionary<string, float>
    {
        [ArtifactNames.Lr] = 0.1f, [MecObjective.LambdaInv] = Batch, [ArtifactNames.EmaMomentum] = 0.99f,
    };

    /// <summary>Every scalar of a step as the trainer makes them: the run's schedules and the MEC loss's λ⁻¹ schedule (ε_d² = 1, warm-up factor 8).</summary>
    public static Dictionary<string, float> ScalarsAt(Schedules schedules, long step)
    {
        var scalars = schedules.At(step);
        var mec = new MecObjective();
        var o = schedules.Options;
        scalars[MecObjective.LambdaInv] = (float)mec.ScalarValue(MecObjective.LambdaInv,
            new ScheduleContext(step, schedules.Epoch(step), o.WarmupEpochs, o.Epochs, Batch, mec.DefaultSettings));
        return scalars;
    }

    /// <summary>The manifest of the tiny set, as the builder makes it.</summary>
    public static Manifest TinyManifest => Tiny.Value.Manifest;
}
