using OnnxMec.Formats;

namespace OnnxMec.Graphs;

/// <summary>
/// A standalone inference model of a trained encoder: weights as initializers, eval-mode BN
/// (optionally folded into the convs and linears), a symbolic batch. Input "images" [N, C, S, S];
/// outputs "features" [N, F] (pooled backbone features) and, with the projector, "embedding" [N, d].
/// </summary>
public static class InferenceModel
{
    public static GraphBuilder Build(ArtifactConfig config, IReadOnlyDictionary<string, float[]> weights, bool withProjector, bool foldBatchNorm)
    {
        var g = new GraphBuilder("onnxmec_encoder");
        var images = g.Input(ArtifactNames.Images, DType.Float, MecNetworks.ImageShape(config));
        var w = new ModelWeights(g, weights, foldBatchNorm);
        var features = ResNet.Features(w, images, config);
        g.Output(features, ArtifactNames.Features);
        if (withProjector) g.Output(Heads.Projector(w, features, config.ProjectorDims), ArtifactNames.Embedding);
        return g;
    }

    /// <summary>The model file's bytes, with metadata that says what it is and where it came from.</summary>
    public static byte[] ToBytes(GraphBuilder model, string source, ArtifactConfig config) =>
        ModelWriter.ToBytes(model,
        [
            new("onnxmec.source", source),
            new("onnxmec.arch", config.Arch),
            new("onnxmec.inputs", $"images: float32 [N, {config.Channels}, {config.ImageSize}, {config.ImageSize}], normalised as in training"),
            new("onnxmec.outputs", "features: float32 [N, F] pooled backbone features" + (model.Outputs.Count > 1 ? $"; embedding: float32 [N, {config.EmbeddingDim}] projector output" : "")),
        ]);
}
