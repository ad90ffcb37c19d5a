using OnnxMec.Contract;
using OnnxMec.GraphEngine;

namespace OnnxMec.Graphs;

/// <summary>The two networks of BYOL-style training, as MEC runs them: online = backbone, projector, predictor; target = backbone, projector.</summary>
public static class SiameseNetworks
{
    public static Value Online(ModelWeights w, Value images, ArtifactPlan plan) =>
        Heads.Predictor(w, Target(w, images, plan), plan.Config.PredictorHidden);

    public static Value Target(ModelWeights w, Value images, ArtifactPlan plan) =>
        Heads.Projector(w, plan.Backbone.Features(w, images, plan.Config), plan.Config.ProjectorDims);

    /// <summary>The [N, C, S, S] image input of a set's graphs.</summary>
    public static Shape ImageShape(ArtifactConfig c) => new(Dim.Sym("N"), c.Channels, c.ImageSize, c.ImageSize);
}
