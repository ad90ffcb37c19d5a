using OnnxMec.Contract;
using OnnxMec.GraphEngine;

namespace OnnxMec.Graphs.Tests.Artifacts;

public class BatchStatisticsModelTests
{
    private const int Batch = 8;

    [Test]
    public void It_gives_the_batch_statistics_that_training_blends_into_the_running_ones()
    {
        // The training graph runs the online network over view1 then view2, each BN blending its
        // batch statistics s into the running r with momentum 0.1: with the same batch as both
        // views, r'' = 0.81·r + 0.19·s. The statistics graph must give that s for every BN of the
        // backbone and projector (the predictor's are not part of the encoder).
        var config = TinySet.Config();
        var set = ArtifactSetBuilder.Build("tiny", config);
        var state = TrainingState.Initial(set);
        // Running statistics far from any batch's, so a graph that passed them through would show.
        foreach (var name in state.Values.Keys.Where(n => !n.StartsWith(ArtifactNames.TargetPrefix, StringComparison.Ordinal)).ToList())
            if (name.EndsWith(".running_mean", StringComparison.Ordinal) || name.EndsWith(".running_var", StringComparison.Ordinal))
                state.Values[name] = state.Values[name] with { Data = state.Values[name].Data.Select(v => v + 3f).ToArray() };
        var (images, _) = TinySet.Views(config, Batch, 5);

        using var training = new NamedRunner(TinySet.Graph(set, "training_model"));
        var blended = training.Run(state.With((ArtifactNames.View1, images), (ArtifactNames.View2, images), (MecObjective.LambdaInv, FloatTensor.Scalar(Batch))));
        var graph = BatchStatisticsModel.Build(ArtifactPlan.Resolve(config, "tiny"));
        using var statistics = new NamedRunner(ModelWriter.ToBytes(graph));
        var batchStats = statistics.Run(state.With((ArtifactNames.Images, images)));

        var expected = set.Manifest.Tensors.Where(t => t.Role == Roles.BnStat && !t.Name.StartsWith("predictor.", StringComparison.Ordinal)).Select(t => t.Name).ToList();
        Assert.That(batchStats.Keys.Select(k => k[ArtifactNames.NewPrefix.Length..]), Is.EqualTo(expected), "one output per BN statistic of the encoder, in manifest order");
        foreach (string name in expected)
        {
            var r = state.Values[name].Data;
            var mixed = blended[ArtifactNames.NewPrefix + name];
            var s = batchStats[ArtifactNames.NewPrefix + name];
            for (int i = 0; i < s.Length; i++)
            {
                double fromTraining = (mixed[i] - 0.81 * r[i]) / 0.19;
                Assert.That(s[i], Is.EqualTo(fromTraining).Within(1e-4 + 1e-3 * Math.Abs(fromTraining)), $"{name}[{i}]");
            }
        }
        Assert.That(batchStats[ArtifactNames.NewPrefix + "bn1.running_var"].All(v => v > 0), Is.True);
    }
}
