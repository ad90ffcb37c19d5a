using System.Diagnostics;
using System.Globalization;
using OnnxMec.Data;
using OnnxMec.Host.Evaluation;
using OnnxMec.Host.Training;
using OnnxMec.Runtime;

namespace OnnxMec.Host.Bench;

/// <summary>One line of the quality table: the features, the labelled bank, kNN top-1 at k = 200 and at the best k of the sweep, and the linear probe.</summary>
internal sealed record QualityRow(string Features, string Bank, int BankSize, double KnnTop1At200, double BestKnnTop1, int BestK, double LinearTop1, IReadOnlyDictionary<int, double> Sweep);

/// <summary>
/// Features against raw pixels under one protocol: the encoder's pooled backbone features and the
/// normalised pixels themselves (the images as the encoder sees them, flattened) of Fashion-MNIST's
/// 60,000 training images and 10,000 test images; kNN (cosine, T = 0.1) over a sweep of k with two
/// labelled banks, all 60,000 training images and the first 10,000, the test images as queries; and
/// a linear probe trained on each bank.
/// </summary>
internal static class QualityBenchmark
{
    public static readonly int[] Ks = [1, 3, 5, 10, 20, 50, 100, 200];
    public const int SmallBank = 10_000;

    public static IReadOnlyList<QualityRow> Evaluate(TrainedEncoder encoder, TrainingData data, SessionFactory factory, int probeEpochs, Action<string> progress)
    {
        if (data.Queries is null) throw new InvalidDataException($"{data.Train.Name}: no test images to evaluate on");
        var model = EncoderExport.Build(encoder.Set, encoder.Online, new ExportOptions(false, false, new Dictionary<string, string>()));
        var (encode, session) = EncoderFeatures.FromModel(model, encoder.Checkpoint.Path, data.Evaluation.Channels, data.Evaluation.Size, factory);
        using (session)
        {
            var clock = Stopwatch.StartNew();
            // Every image must be readable here (no skipping), so the rows line up with the datasets' labels.
            var (bank, dim, _, _) = EncoderFeatures.Compute(encode, data.Train, data.Evaluation, data.Train.Count);
            var queries = EncoderFeatures.Compute(encode, data.Queries, data.Evaluation, data.Queries.Count).Features;
            progress($"encoder features of {data.Train.Count + data.Queries.Count:N0} images in {clock.Elapsed.TotalSeconds:F0} s");
            var (rawBank, rawDim) = Pixels(data.Train, data.Evaluation);
            var (rawQueries, _) = Pixels(data.Queries, data.Evaluation);
            var rows = new List<QualityRow>();
            foreach (var (name, b, q, d) in new[] { ("encoder", bank, queries, dim), ("raw pixels", rawBank, rawQueries, rawDim) })
                foreach (int size in new[] { data.Train.Count, Math.Min(SmallBank, data.Train.Count) })
                {
                    rows.Add(Row(name, b, q, d, size, data, factory, probeEpochs));
                    progress($"{name}, bank of {size:N0}: done");
                }
            return rows;
        }
    }

    /// <summary>The report printed and written to quality.md: the summary table, then the sweep table under its heading.</summary>
    public static IReadOnlyList<string> Report(IReadOnlyList<QualityRow> rows) => [.. SummaryTable(rows), "", SweepHeading, "", .. SweepTable(rows)];

    /// <summary>The table of one line per row: kNN at k = 200 and at the best k, and the linear probe.</summary>
    private static IReadOnlyList<string> SummaryTable(IReadOnlyList<QualityRow> rows) =>
    [
        "| features | labelled bank | kNN top-1, k = 200 | kNN top-1, best k | linear probe top-1 |",
        "|---|---|---|---|---|",
        .. rows.Select(r => string.Create(CultureInfo.InvariantCulture,
            $"{Label(r)} {r.KnnTop1At200:F2} % | {r.BestKnnTop1:F2} % (k = {r.BestK}) | {r.LinearTop1:F2} % |")),
    ];

    /// <summary>The line above the sweep table.</summary>
    private const string SweepHeading = "kNN top-1 (%) at each k:";

    /// <summary>kNN top-1 at every k of the sweep, one line per row: where along k each side leads.</summary>
    private static IReadOnlyList<string> SweepTable(IReadOnlyList<QualityRow> rows) =>
    [
        $"| features | labelled bank | {string.Join(" | ", Ks.Select(k => $"k = {k}"))} |",
        $"|---|---|{string.Concat(Ks.Select(_ => "---|"))}",
        .. rows.Select(r => $"{Label(r)} {string.Join(" | ", Ks.Select(k => r.Sweep[k].ToString("F2", CultureInfo.InvariantCulture)))} |"),
    ];

    /// <summary>A table line's first two cells: which features, which bank.</summary>
    private static string Label(QualityRow r) => string.Create(CultureInfo.InvariantCulture, $"| {r.Features} | {r.Bank} ({r.BankSize:N0}) |");

    private static QualityRow Row(string name, float[] bank, float[] queries, int dim, int size, TrainingData data, SessionFactory factory, int probeEpochs)
    {
        var bankLabels = Enumerable.Range(0, size).Select(data.Train.Label).ToArray();
        var queryLabels = Enumerable.Range(0, data.Queries!.Count).Select(data.Queries.Label).ToArray();
        int classes = Math.Max(data.Train.ClassCount, data.Queries.ClassCount);
        // kNN normalises its arguments in place: each row works on its own copies.
        var results = KnnClassifier.Evaluate(bank[..(size * dim)], bankLabels, (float[])queries.Clone(), queryLabels, dim, classes, Ks, 0.1, factory);
        var sweep = Ks.Select((k, i) => (k, results[i].Top1)).ToDictionary(p => p.k, p => p.Top1);
        var best = sweep.MaxBy(p => p.Value);
        var probe = LinearProbe.Run(bank[..(size * dim)], bankLabels, (float[])queries.Clone(), queryLabels, dim, classes, probeEpochs, 0.1, 256, 0, factory);
        return new QualityRow(name, size == data.Train.Count ? "all training images" : $"first {size:N0}", size, sweep[200], best.Value, best.Key, probe.Top1, sweep);
    }

    /// <summary>The images as the encoder sees them (evaluation recipe: resized, centre-cropped, normalised), flattened.</summary>
    private static (float[] Pixels, int Dim) Pixels(IImageDataset images, ViewRecipe recipe)
    {
        var all = new float[(long)images.Count * recipe.ElementCount];
        const int block = 1024;
        var buffer = new float[block * recipe.ElementCount];
        for (int start = 0; start < images.Count; start += block)
        {
            int n = Math.Min(block, images.Count - start);
            EvaluationImages.Fill(images, recipe, start, n, buffer);
            buffer.AsSpan(0, n * recipe.ElementCount).CopyTo(all.AsSpan(start * recipe.ElementCount));
        }
        return (all, recipe.ElementCount);
    }
}
