using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using OnnxMec.Formats;
using OnnxMec.Graphs;
using OnnxMec.Host.Configuration;
using OnnxMec.Host.Training;
using OnnxMec.Runtime;

namespace OnnxMec.Host.Evaluation;

/// <summary>
/// What the eval and export verbs work from: a checkpoint (its weights, model config and the run's
/// data settings) or an exported encoder.onnx with a config for the data.
/// </summary>
internal sealed class EvaluationSetup : IDisposable
{
    private IDisposable? _session;

    public required Func<float[], int, float[]> Encode { get; init; }
    public required TrainingData Data { get; init; }
    public required int Threads { get; init; }

    public static (ArtifactConfig Config, Dictionary<string, float[]> Weights, TrainingOptions? Run) FromCheckpoint(string path)
    {
        var checkpoint = CheckpointStore.Load(path);
        var weights = checkpoint.State
            .Where(t => !t.Name.StartsWith(ArtifactNames.TargetPrefix, StringComparison.Ordinal) && !t.Name.StartsWith(ArtifactNames.MomentumPrefix, StringComparison.Ordinal))
            .ToDictionary(t => t.Name, t => t.AsFloat32());
        var run = checkpoint.Info.RunConfig is { } json ? JsonSerializer.Deserialize<TrainingOptions>(json) : null;
        return (checkpoint.Info.Config, weights, run);
    }

    public static EvaluationSetup Create(string? checkpoint, string? encoderPath, TrainingOptions? configured, int threads)
    {
        if ((checkpoint is null) == (encoderPath is null)) throw new ArgumentException("give exactly one of --checkpoint and --encoder");
        byte[] model;
        DataOptions data;
        int channels, size;
        if (checkpoint is not null)
        {
            var (config, weights, run) = FromCheckpoint(checkpoint);
            model = ModelWriter.ToBytes(InferenceModel.Build(config, weights, withProjector: false, foldBatchNorm: false));
            data = configured?.Data ?? run?.Data ?? new DataOptions();
            (channels, size) = (config.Channels, config.ImageSize);
        }
        else
        {
            model = File.ReadAllBytes(encoderPath!);
            using var probe = new InferenceSession(model);
            var dims = probe.InputMetadata.TryGetValue(ArtifactNames.Images, out var meta) ? meta.Dimensions
                : throw new InvalidDataException($"{encoderPath}: no 'images' input; is this an OnnxMec encoder?");
            (channels, size) = (dims[1], dims[2]);
            data = configured?.Data ?? new DataOptions();
        }
        var (encode, session) = EncoderFeatures.FromModel(model, channels, size, threads);
        var modelShape = new ArtifactConfig { Channels = channels, ImageSize = size };
        return new EvaluationSetup { Encode = encode, Data = TrainingData.Create(data, modelShape), Threads = threads, _session = session };
    }

    public void Dispose() => _session?.Dispose();
}
