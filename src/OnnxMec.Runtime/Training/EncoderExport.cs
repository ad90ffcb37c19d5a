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
    public static void Write(string path, Manifest manifest, IReadOnlyList<NamedTensor> onlineWeights, bool withProjector, bool foldBatchNorm, string source)
    {
        var weights = onlineWeights.ToDictionary(t => t.Name, t => t.AsFloat32(), StringComparer.Ordinal);
        var model = InferenceModel.Build(manifest.Config, weights, withProjector, foldBatchNorm);
        AtomicFile.WriteAllBytes(path, InferenceModel.ToBytes(model, source, manifest.Config));
    }
}
