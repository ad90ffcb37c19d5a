using OnnxMec.Contract;
using OnnxMec.Data;
using OnnxMec.Host.Configuration;
using OnnxMec.Host.Training;
using OnnxMec.Runtime;

namespace OnnxMec.Host.Evaluation;

/// <summary>
/// What the eval verbs work from: a checkpoint (its encoder through the eval graph of the set it
/// was trained with, and the run's data settings) or an exported encoder.onnx, with the data from
/// --config where given.
/// </summary>
internal sealed class EvaluationSetup : IDisposable
{
    private IDisposable? _session;

    public required Func<float[], int, float[]> Encode { get; init; }
    public required TrainingData Data { get; init; }
    public required SessionFactory Factory { get; init; }

    /// <summary>Where the data settings came from, said on the output.</summary>
    public required string DataOrigin { get; init; }

    /// <summary>The input the encoder takes (channels and image size), which the images are made into.</summary>
    public required ArtifactConfig Input { get; init; }

    public required DataRecipe Recipe { get; init; }

    public static EvaluationSetup Create(string? checkpoint, string? encoderPath, string? artifacts, TrainingSettings? configured, SessionFactory factory)
    {
        if ((checkpoint is null) == (encoderPath is null)) throw new ArgumentException("give exactly one of --checkpoint and --encoder");
        byte[] model;
        string source;
        TrainingSettings? run = null;
        ArtifactConfig shape;
        (float[] Mean, float[] Std)? trainedWith;
        if (checkpoint is not null)
        {
            var trained = TrainedEncoder.Load(checkpoint, artifacts);
            model = EncoderExport.Build(trained.Set, trained.Online, new ExportOptions(WithProjector: false, FoldBatchNorm: false, new Dictionary<string, string>()));
            (source, run, shape) = (checkpoint, trained.Run, trained.Set.Manifest.Config);
            trainedWith = run?.Options.Data is { Mean: { } mean, Std: { } std } ? (mean, std) : null;
        }
        else
        {
            source = encoderPath!;
            model = InputFiles.ReadAll(source, "--encoder", InputFiles.ModelLimit);
            (shape, trainedWith) = EncoderInput(model, source, factory);
        }
        var data = configured ?? run ?? TrainingOptionsValidator.Resolve(new TrainingOptions { Data = new DataOptions { Source = "fashion-mnist-embedded" } });
        string origin = configured is not null ? "the data settings given (--config/--set)"
            : run is not null ? "the data settings of the checkpoint's run"
            : "the embedded Fashion-MNIST split (no --config given)";
        // Images are normalised as the encoder was trained unless Data:Mean/Std are given: its features assume it.
        if (!ReferenceEquals(data, run) && data.Options.Data.Mean is null && trainedWith is { } t)
        {
            (data.Options.Data.Mean, data.Options.Data.Std) = (t.Mean, t.Std);
            origin += checkpoint is not null ? "; normalised as the checkpoint's run was" : "; normalised as the encoder's metadata says";
        }
        var (encode, session) = EncoderFeatures.FromModel(model, source, shape.Channels, shape.ImageSize, factory);
        return new EvaluationSetup
        {
            Encode = encode, Factory = factory, _session = session, DataOrigin = origin, Input = shape, Recipe = data.Recipe,
            Data = TrainingData.Create(data.DataSource, data.Options.Data, data.Recipe, shape),
        };
    }

    /// <summary>
    /// The input an exported encoder expects, read from its "images" input ([N, C, S, S]), and the
    /// normalisation it was trained with where its metadata records it (onnxmec.mean, onnxmec.std).
    /// </summary>
    private static (ArtifactConfig Input, (float[] Mean, float[] Std)? Normalisation) EncoderInput(byte[] model, string source, SessionFactory factory)
    {
        using var probe = factory.Open(model, source);
        if (!probe.InputMetadata.TryGetValue(ArtifactNames.Images, out var meta) || !probe.OutputMetadata.ContainsKey(ArtifactNames.Features))
            throw new InvalidDataException($"{source}: not an OnnxMec encoder (expected an input 'images' and an output 'features')");
        var dims = meta.Dimensions;
        if (dims.Length != 4 || dims[1] < 1 || dims[2] < 1 || dims[2] != dims[3])
            throw new InvalidDataException($"{source}: input 'images' is [{string.Join(", ", dims)}], expected [N, C, S, S]");
        var custom = probe.ModelMetadata.CustomMetadataMap;
        var normalisation = custom.TryGetValue("onnxmec.mean", out var mean) && custom.TryGetValue("onnxmec.std", out var std)
            && Floats(mean) is { Length: 1 or 3 } m && Floats(std) is { } sd && sd.Length == m.Length && sd.All(v => v > 0)
            ? (m, sd) : ((float[], float[])?)null;
        return (new ArtifactConfig { Channels = dims[1], ImageSize = dims[2] }, normalisation);
    }

    /// <summary>A comma-separated list of finite numbers, or null.</summary>
    private static float[]? Floats(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new float[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!float.TryParse(parts[i], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out values[i]) || !float.IsFinite(values[i])) return null;
        return values;
    }

    public void Dispose() => _session?.Dispose();
}
