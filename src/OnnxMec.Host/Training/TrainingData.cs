using OnnxMec.Contract;
using OnnxMec.Data;
using OnnxMec.Host.Configuration;

namespace OnnxMec.Host.Training;

/// <summary>
/// The data of a run: training images (also the kNN memory bank), labelled queries for the kNN
/// monitor, the two training recipes and the evaluation view, matched to the artifact set's input,
/// and whether unreadable images are left out (Data:SkipBadImages) rather than stopping.
/// </summary>
internal sealed record TrainingData(IImageDataset Train, IImageDataset? Queries, ViewRecipe View1, ViewRecipe View2, ViewRecipe Evaluation, float[] Mean, float[] Std,
    bool SkipBadImages)
{
    public static TrainingData Create(DatasetSource source, DataOptions d, DataRecipe recipe, ArtifactConfig model)
    {
        // MoCo v3's ImageNet recipe makes 3-channel views; any other input would be sliced wrongly.
        if (recipe == DataRecipe.ImageNet && model.Channels != 3)
            throw new OptionsInvalidException([$"Data:Recipe: 'imagenet' makes 3-channel views, and the artifact set takes {model.Channels}-channel images; use Data:Recipe=small"]);
        var splits = source.Open(d);
        var train = d.MaxTrain > 0 && d.MaxTrain < splits.Train.Count
            ? new DatasetSlice(splits.Train, 0, d.MaxTrain, $"{splits.Train.Name}, its first {d.MaxTrain:N0} images (Data:MaxTrain)")
            : splits.Train;
        var (mean, std) = Normalisation(source, d, model);
        var (view1, view2) = recipe == DataRecipe.ImageNet
            ? Recipes.ImageNet(model.ImageSize, d.MinScale, d.Jitter)
            : Recipes.Small(model.ImageSize, model.Channels, mean, std, d.MinScale, d.Jitter);
        var evaluation = Recipes.Evaluation(model.ImageSize, model.Channels, mean, std, recipe == DataRecipe.ImageNet ? model.ImageSize * 8 / 7 : null);
        return new TrainingData(train, splits.Queries, view1, view2, evaluation, mean, std, d.SkipBadImages);
    }

    /// <summary>The per-channel mean and std the images are normalised with: the run's, else the source's, matched to the model's channels.</summary>
    public static (float[] Mean, float[] Std) Normalisation(DatasetSource source, DataOptions d, ArtifactConfig model)
    {
        var (mean, std) = (d.Mean ?? source.Mean, d.Std ?? source.Std);
        if (mean.Length == 1 && model.Channels == 3) return ([mean[0], mean[0], mean[0]], [std[0], std[0], std[0]]);
        if (mean.Length == 3 && model.Channels == 1) return ([mean.Average()], [std.Average()]);
        return (mean, std);
    }
}
