using OnnxMec.GraphEngine;
using static OnnxMec.Contract.ArtifactNames;

namespace OnnxMec.Graphs;

/// <summary>
/// The graph BatchNorm recalibration runs: images through the online backbone and projector with
/// every BatchNorm normalising by the batch's statistics, as in training, and giving those
/// statistics out ("new." + the running statistic's name: the batch mean and unbiased variance).
/// Training's running statistics are a moving average over augmented views; averaged over clean
/// images instead, they describe the inputs the eval graph and an exported encoder will see.
/// Built from a set's config when needed rather than shipped in the set, so existing sets and the
/// checkpoints trained with them keep their graph hashes; its inputs carry the names the set's
/// manifest gives the online tensors, which the caller checks.
/// </summary>
public static class BatchStatisticsModel
{
    public const string Name = "batch_statistics";

    public static GraphBuilder Build(ArtifactPlan plan)
    {
        var g = new GraphBuilder(Name);
        var images = g.Input(Images, DType.Float, SiameseNetworks.ImageShape(plan.Config));
        var w = new ModelWeights(g, BnMode.BatchStatistics);
        SiameseNetworks.Target(w, images, plan);
        foreach (var stat in w.Specs.Where(s => s.Role == TensorRole.BnStat)) g.Output(w.UpdatedStats[stat.Name], NewPrefix + stat.Name);
        return g;
    }
}
