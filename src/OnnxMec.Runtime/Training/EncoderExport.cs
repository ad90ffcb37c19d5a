using OnnxMec.Formats;
using OnnxMec.Graphs;

namespace OnnxMec.Runtime;

/// <summary>
/// Writes a trained encoder as a standalone ONNX model that any InferenceSession runs without this
/// project: input "images" float32 [N, C, S, S]; output "features" float32 [N, F] and, with the
/// projector, "embedding" float32 [N, d]; weights as initializers; BN in eval mode, optionally folded.
/// </summary>
public static class EncoderExport
{
    public static void Write(string path, ArtifactConfig config, IReadOnlyDictionary<string, float[]> onlineWeights, bool withProjector, bool foldBatchNorm, string source)
    {
        var model = InferenceModel.Build(config, onlineWeights, withProjector, foldBatchNorm);
        AtomicFile.WriteAllBytes(path, InferenceModel.ToBytes(model, source, config));
    }
}
