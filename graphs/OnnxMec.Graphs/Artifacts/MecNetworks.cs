using OnnxMec.Formats;

namespace OnnxMec.Graphs;

/// <summary>MEC's two networks: online = backbone, projector, predictor; target = backbone, projector.</summary>
public static class MecNetworks
{
    public static Value Online(ModelWeights w, Value images, ArtifactConfig c) =>
        Heads.Predictor(w, Heads.Projector(w, ResNet.Features(w, images, c), c.ProjectorDims), c.PredictorHidden);

    public static Value Target(ModelWeights w, Value images, ArtifactConfig c) =>
        Heads.Projector(w, ResNet.Features(w, images, c), c.ProjectorDims);

    /// <summary>The [N, C, S, S] image input of a set's graphs.</summary>
    public static Shape ImageShape(ArtifactConfig c) => new(Dim.Sym("N"), c.Channels, c.ImageSize, c.ImageSize);
}
