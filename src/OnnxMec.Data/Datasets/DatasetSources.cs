namespace OnnxMec.Data;

/// <summary>A run's images: training images (also the kNN memory bank) and optional labelled queries.</summary>
public sealed record DataSplits(IImageDataset Train, IImageDataset? Queries);

/// <summary>One kind of data a run can train on, by the name <c>Data:Source</c> gives, with the normalisation that suits it (per channel).</summary>
public sealed record DatasetSource(string Name, string Description, bool NeedsTrainPath, float[] Mean, float[] Std, Func<DataOptions, DataSplits> Open);

/// <summary>Every kind of data a run can train on: the one place that lists them.</summary>
public static class DatasetSources
{
    private static readonly float[] GreyMean = [FashionMnist.Mean], GreyStd = [FashionMnist.Std];
    private static readonly float[] ImageNetMean = [0.485f, 0.456f, 0.406f], ImageNetStd = [0.229f, 0.224f, 0.225f];
    private static readonly float[] CifarMean = [0.4914f, 0.4822f, 0.4465f], CifarStd = [0.2470f, 0.2435f, 0.2616f];

    public static IReadOnlyList<DatasetSource> All { get; } =
    [
        new("fashion-mnist", "Fashion-MNIST: the 60,000-image train split of Debian's dataset-fashion-mnist where installed, else the embedded split; queries from the embedded test split",
            false, GreyMean, GreyStd, d => FashionMnist.Train() is { } full ? new DataSplits(full, FashionMnist.EmbeddedTest()) : Embedded(d)),
        new("fashion-mnist-embedded", "the embedded Fashion-MNIST test split: its first images train, the last Data:EmbeddedQueries are the kNN queries",
            false, GreyMean, GreyStd, Embedded),
        new("idx", "MNIST-style IDX files (Data:Train, Data:TrainLabels, Data:Test, Data:TestLabels)",
            true, GreyMean, GreyStd, d => new DataSplits(IdxDataset.Load(d.Train!, d.TrainLabels), d.Test is null ? null : IdxDataset.Load(d.Test, d.TestLabels))),
        new("cifar10", "CIFAR-10 binary batches (Data:Train and Data:Test: comma-separated .bin files)",
            true, CifarMean, CifarStd, d => Cifar(d, hundred: false)),
        new("cifar100", "CIFAR-100 binary files (Data:Train and Data:Test)",
            true, CifarMean, CifarStd, d => Cifar(d, hundred: true)),
        new("folder", "JPEG/PNG image folders: one sub-folder per class, or a flat folder of unlabelled images (Data:Train, Data:Test)",
            true, ImageNetMean, ImageNetStd, d =>
            {
                var decoding = new ImageDecoding(d.MaxPixels);
                var train = ImageFolderDataset.Open(d.Train!, channels: 3, decoding);
                return new DataSplits(train, d.Test is null ? null : ImageFolderDataset.Open(d.Test, 3, decoding, classes: train.Classes));
            }),
    ];

    public static DatasetSource? Find(string name) => All.FirstOrDefault(s => s.Name == name);

    public static string Names => string.Join(", ", All.Select(s => s.Name));

    private static DataSplits Embedded(DataOptions d)
    {
        var test = FashionMnist.EmbeddedTest();
        int queries = d.EmbeddedQueries, training = test.Count - queries;
        return new DataSplits(new DatasetSlice(test, 0, training, $"Fashion-MNIST test split, images 0–{training - 1} (embedded)"),
            queries > 0 ? new DatasetSlice(test, training, queries, $"Fashion-MNIST test split, images {training}–{test.Count - 1} (embedded)") : null);
    }

    private static DataSplits Cifar(DataOptions d, bool hundred) =>
        new(CifarDataset.Load(Files(d.Train!), hundred), d.Test is null ? null : CifarDataset.Load(Files(d.Test), hundred));

    private static string[] Files(string list) => list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
