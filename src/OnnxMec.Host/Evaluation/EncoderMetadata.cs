using System.Globalization;
using OnnxMec.Contract;
using OnnxMec.Host.Configuration;
using OnnxMec.Host.Training;
using OnnxMec.Runtime;

namespace OnnxMec.Host.Evaluation;

/// <summary>
/// What an exported encoder says about itself in its ONNX metadata, so it can be deployed in any
/// runtime without this project: where it came from, its input (size, channels, how the images
/// were preprocessed and normalised) and its outputs with their real sizes.
/// </summary>
internal static class EncoderMetadata
{
    public static Dictionary<string, string> For(ArtifactSetFolder set, TrainingSettings? run, string source, bool withProjector = false)
    {
        var config = set.Manifest.Config;
        var eval = set.Manifest.Graphs[ArtifactNames.EvalModel];
        string Dim(string role) => eval.Outputs.FirstOrDefault(o => o.Role == role)?.Shape[^1] ?? "?";
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["onnxmec.source"] = source,
            ["onnxmec.artifact_set"] = set.Manifest.Name,
            ["onnxmec.arch"] = config.Arch,
            ["onnxmec.input"] = $"images: float32 [N, {config.Channels}, {config.ImageSize}, {config.ImageSize}], NCHW",
            ["onnxmec.input_channels"] = config.Channels.ToString(CultureInfo.InvariantCulture),
            ["onnxmec.input_size"] = config.ImageSize.ToString(CultureInfo.InvariantCulture),
            ["onnxmec.outputs"] = $"features: float32 [N, {Dim(Roles.Feature)}] pooled backbone features" +
                (withProjector ? $"; embedding: float32 [N, {Dim(Roles.Embedding)}] projector output" : ""),
            ["onnxmec.feature_dim"] = Dim(Roles.Feature),
        };
        if (run is not null)
        {
            var (mean, std) = TrainingData.Normalisation(run.DataSource, run.Options.Data, config);
            string List(float[] v) => string.Join(",", v.Select(x => x.ToString("R", CultureInfo.InvariantCulture)));
            metadata["onnxmec.mean"] = List(mean);
            metadata["onnxmec.std"] = List(std);
            int shorter = run.Recipe == DataRecipe.ImageNet ? config.ImageSize * 8 / 7 : config.ImageSize;
            string resize = $"resize the shorter side to {shorter} (bilinear), centre-crop {config.ImageSize}×{config.ImageSize}";
            string colour = config.Channels == 1 ? "grey (RGB images: luma 0.299 R + 0.587 G + 0.114 B)" : "RGB (grey images: replicated to 3 channels)";
            metadata["onnxmec.preprocessing"] = $"{resize}; {colour}; scale pixel values to [0, 1]; per channel subtract onnxmec.mean and divide by onnxmec.std";
        }
        else metadata["onnxmec.preprocessing"] = "unknown: the checkpoint carries no run configuration";
        return metadata;
    }
}
