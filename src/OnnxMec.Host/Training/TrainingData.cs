using OnnxMec.Data;
using OnnxMec.Formats;
using OnnxMec.Host.Configuration;

namespace OnnxMec.Host.Training;

/// <summary>An index subset of another dataset (the embedded split's training and query halves, a capped bank).</summary>
internal sealed class DatasetSlice(IImageDataset inner, int start, int count, string name) : IImageDataset
{
    public string Name { get; } = name;
    public int Count { get; } = count;
    public int Channels => inner.Channels;
    public int ClassCount => inner.ClassCount;
    public int Label(int index) => inner.Label(start + index);
    public void Read(int index, FloatImage into) => inner.Read(start + index, into);
}

/// <summary>
/// The data of a run: training images (also the kNN memory bank), labelled queries for the kNN
/// monitor, the two training recipes and the evaluation view, matched to the artifact set's input.
/// </summary>
internal sealed record TrainingData(IImageDataset Train, IImageDataset? Queries, ViewRecipe View1, ViewRecipe View2, ViewRecipe Evaluation)
{
    public static TrainingData Create(DataOptions d, ArtifactConfig model)
    {
        var (train, queries, mean, std) = Datasets(d);
        mean = d.Mean ?? mean;
        std = d.Std ?? std;
        if (mean.Length == 1 && model.Channels == 3) (mean, std) = ([mean[0], mean[0], mean[0]], [std[0], std[0], std[0]]);
        var (view1, view2) = d.Recipe == "imagenet"
            ? Recipes.ImageNet(model.ImageSize, d.MinScale)
            : Recipes.Small(model.ImageSize, model.Channels, mean, std, d.MinScale);
        var evaluation = Recipes.Evaluation(model.ImageSize, model.Channels, mean, std, d.Recipe == "imagenet" ? model.ImageSize * 8 / 7 : null);
        return new TrainingData(train, queries, view1, view2, evaluation);
    }

    private static (IImageDataset Train, IImageDataset? Queries, float[] Mean, float[] Std) Datasets(DataOptions d)
    {
        float[] fm = [FashionMnist.Mean], fs = [FashionMnist.Std];
        float[] im = [0.485f, 0.456f, 0.406f], ist = [0.229f, 0.224f, 0.225f];
        var decoding = new ImageDecoding(d.MaxPixels);
        switch (d.Source)
        {
            case "fashion-mnist" when FashionMnist.Train() is { } full:
                return (full, FashionMnist.EmbeddedTest(), fm, fs);
            case "fashion-mnist":
            case "fashion-mnist-embedded":
                var test = FashionMnist.EmbeddedTest();
                int queries = d.EmbeddedQueries, training = test.Count - queries;
                return (new DatasetSlice(test, 0, training, $"Fashion-MNIST test split, images 0–{training - 1} (embedded)"),
                    queries > 0 ? new DatasetSlice(test, training, queries, $"Fashion-MNIST test split, images {training}–{test.Count - 1} (embedded)") : null, fm, fs);
            case "idx":
                return (IdxDataset.Load(d.Train!, d.TrainLabels), d.Test is null ? null : IdxDataset.Load(d.Test, d.TestLabels), fm, fs);
            case "cifar10":
            case "cifar100":
                bool hundred = d.Source == "cifar100";
                return (CifarDataset.Load(Files(d.Train!), hundred), d.Test is null ? null : CifarDataset.Load(Files(d.Test), hundred),
                    [0.4914f, 0.4822f, 0.4465f], [0.2470f, 0.2435f, 0.2616f]);
            default:
                var folder = ImageFolderDataset.Open(d.Train!, channels: 3, decoding);
                return (folder, d.Test is null ? null : ImageFolderDataset.Open(d.Test, 3, decoding), im, ist);
        }
    }

    private static string[] Files(string list) => list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
