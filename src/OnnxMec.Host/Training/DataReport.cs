using System.Globalization;
using OnnxMec.Contract;
using OnnxMec.Data;
using OnnxMec.Host.Configuration;

namespace OnnxMec.Host.Training;

/// <summary>
/// What a run or an evaluation does with its images, said before it starts: how many, the classes
/// (or that there are none), the size and colour they come in (a few of them decoded), and how
/// they are made into the artifact set's [C, S, S] input: resized, converted between RGB and grey,
/// normalised.
/// </summary>
internal static class DataReport
{
    /// <summary>Images decoded to learn the sizes the data comes in; spread over the dataset.</summary>
    private const int Sample = 16;

    /// <summary>Class names listed before "…".</summary>
    private const int NamesShown = 8;

    /// <param name="views">The training run's data settings (its crops and jitter), or null for an evaluation.</param>
    public static IEnumerable<string> Lines(TrainingData data, ArtifactConfig model, DataRecipe recipe, DataOptions? views)
    {
        bool training = views is not null;
        var train = Survey(data.Train);
        yield return $"  {(training ? "training images (and kNN bank)" : "kNN bank / probe training images")}: {Describe(data.Train, train)}";
        if (data.Queries is { } queries)
            yield return $"  {(training ? "kNN queries" : "queries")}: {Describe(queries, Survey(queries))}";
        else if (training)
            yield return "  kNN queries: none (no labelled test data), so no kNN is measured and no best.safetensors is kept; checkpoints/latest.safetensors is the newest";
        yield return $"  to the model's {model.Channels}×{model.ImageSize}×{model.ImageSize} input: {Conversion(train, data, model, recipe, views)}";
    }

    /// <summary>Sizes (width × height) and channels of a few decoded images; unreadable ones are counted.</summary>
    private sealed record Sizes(List<(int Width, int Height)> Seen, int Channels, int Unreadable);

    private static Sizes Survey(IImageDataset dataset)
    {
        var seen = new List<(int, int)>();
        int unreadable = 0, channels = dataset.Channels;
        var image = new FloatImage(1, 1, 1);
        int n = Math.Min(Sample, dataset.Count);
        for (int i = 0; i < n; i++)
        {
            try
            {
                dataset.Read((int)((long)i * dataset.Count / n), image);
                seen.Add((image.Width, image.Height));
                channels = image.Channels;
            }
            catch (InvalidDataException) { unreadable++; }
        }
        return new Sizes(seen, channels, unreadable);
    }

    private static string Describe(IImageDataset dataset, Sizes sizes)
    {
        string labels = dataset.ClassCount == 0 ? "unlabelled"
            : dataset is ImageFolderDataset folder
                ? $"{folder.ClassCount} classes from its sub-folders ({string.Join(", ", folder.Classes.Take(NamesShown))}{(folder.ClassCount > NamesShown ? ", …" : "")})"
                : $"{dataset.ClassCount} classes";
        string ignored = dataset is ImageFolderDataset { IgnoredFiles: > 0 } f ? $"; {f.IgnoredFiles:N0} files that are not .jpg, .jpeg or .png ignored" : "";
        return string.Create(CultureInfo.InvariantCulture, $"{dataset.Name}: {dataset.Count:N0} images, {labels}; read as {Colour(sizes.Channels)}, {Range(sizes, dataset is ImageFolderDataset)}{ignored}");
    }

    private static string Colour(int channels) => channels == 1 ? "grey" : "RGB";

    /// <summary>The size, or the range of sizes, of the images decoded; for files, which may differ, how many were looked at.</summary>
    private static string Range(Sizes s, bool files)
    {
        if (s.Seen.Count == 0) return $"(none of {s.Unreadable} sampled images could be read)";
        var (small, large) = (s.Seen.MinBy(x => (long)x.Width * x.Height), s.Seen.MaxBy(x => (long)x.Width * x.Height));
        string range = s.Seen.Distinct().Count() == 1 ? $"{small.Width}×{small.Height}" : $"from {small.Width}×{small.Height} to {large.Width}×{large.Height}";
        var notes = new List<string>();
        if (files && s.Seen.Count + s.Unreadable == Sample) notes.Add($"{Sample} sampled");
        if (s.Unreadable > 0) notes.Add($"{s.Unreadable} unreadable");
        return notes.Count == 0 ? range : $"{range} ({string.Join(", ", notes)})";
    }

    private static string Conversion(Sizes train, TrainingData data, ArtifactConfig model, DataRecipe recipe, DataOptions? views)
    {
        int size = model.ImageSize, shorter = recipe == DataRecipe.ImageNet ? size * 8 / 7 : size;
        bool same = train.Seen.Count > 0 && train.Seen.All(x => x.Width == size && x.Height == size);
        var steps = new List<string>
        {
            (same ? $"already {size}×{size}" : $"resized to {size}×{size}") +
                (views is not null ? string.Create(CultureInfo.InvariantCulture, $" (training views: random crops of {views.MinScale * 100:0.#}–100 % of the area, {(views.Jitter > 0 ? $"brightness and contrast jitter ±{views.Jitter:0.###}" : "no colour jitter")}; kNN: shorter side to {shorter}, centre crop)")
                          : $" (shorter side to {shorter}, centre crop)"),
        };
        if (train.Channels == 3 && model.Channels == 1) steps.Add("RGB converted to grey (luma 0.299 R + 0.587 G + 0.114 B)");
        else if (train.Channels == 1 && model.Channels == 3) steps.Add("grey replicated to 3 channels");
        string List(float[] v) => string.Join(", ", v.Select(x => x.ToString("0.###", CultureInfo.InvariantCulture)));
        steps.Add($"normalised with mean [{List(data.Mean)}] and std [{List(data.Std)}]");
        return string.Join("; ", steps);
    }
}
