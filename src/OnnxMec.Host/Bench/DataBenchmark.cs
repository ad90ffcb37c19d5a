using System.Diagnostics;
using OnnxMec.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace OnnxMec.Host.Bench;

internal sealed record DataBenchmarkRow(string Recipe, string Source, int Workers, int Images, double Seconds)
{
    public double ImagesPerSecond => Images / Seconds;
    public double PerWorker => ImagesPerSecond / Workers;
}

/// <summary>
/// Throughput of the two-view loader (both views of every image, as training makes them): the
/// ImageNet recipe at 224×224 from JPEGs of 256–640 px, and the small recipe on 28×28 Fashion-MNIST,
/// with one worker and with one per core.
/// </summary>
internal static class DataBenchmark
{
    public static async Task<List<DataBenchmarkRow>> Run(int jpegCount, int smallBatches, string? folder, Action<DataBenchmarkRow> onRow)
    {
        var rows = new List<DataBenchmarkRow>();
        int cores = Environment.ProcessorCount;
        string jpegs = folder ?? Path.Combine(Path.GetTempPath(), $"onnxmec-bench-jpegs-{jpegCount}");
        if (folder is null) MakeJpegs(jpegs, jpegCount);
        var imagenet = ImageFolderDataset.Open(jpegs);
        var (i1, i2) = Recipes.ImageNet();
        var fmnist = FashionMnist.EmbeddedTest();
        var (s1, s2) = Recipes.Small(28, 1, [FashionMnist.Mean], [FashionMnist.Std]);
        foreach (int workers in cores > 1 ? new[] { 1, cores } : [1])
        {
            int batch = Math.Min(32, imagenet.Count);
            var row = await Measure("imagenet 224", $"{imagenet.Count} JPEGs, 256–640 px", imagenet, i1, i2, workers, batch, batches: Math.Max(1, 3 * imagenet.Count / batch));
            rows.Add(row);
            onRow(row);
        }
        foreach (int workers in cores > 1 ? new[] { 1, cores } : [1])
        {
            var row = await Measure("small 28", "Fashion-MNIST 28×28", fmnist, s1, s2, workers, batch: 256, batches: smallBatches);
            rows.Add(row);
            onRow(row);
        }
        return rows;
    }

    private static async Task<DataBenchmarkRow> Measure(string recipe, string source, IImageDataset data, ViewRecipe v1, ViewRecipe v2, int workers, int batch, int batches)
    {
        var loader = new TwoViewLoader(data, v1, v2, new LoaderOptions { BatchSize = batch, Workers = workers, Prefetch = 2 * workers });
        // Warm-up (JIT tiering, pools, file cache) before the clock starts.
        int warmed = 0;
        await foreach (var warm in loader.ReadEpoch(99)) { warm.Dispose(); if (++warmed == Math.Min(4, loader.BatchesPerEpoch)) break; }
        var clock = Stopwatch.StartNew();
        int images = 0, seen = 0;
        for (int epoch = 0; seen < batches; epoch++)
            await foreach (var b in loader.ReadEpoch(epoch))
            {
                images += b.Count;
                b.Dispose();
                if (++seen == batches) break;
            }
        return new DataBenchmarkRow(recipe, source, workers, images, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Fashion-MNIST images upscaled to random sizes of 256–640 px and tinted, saved as JPEG (quality 90), once per count.</summary>
    private static void MakeJpegs(string folder, int count)
    {
        if (Directory.Exists(folder) && Directory.GetFiles(folder, "*.jpg").Length == count) return;
        Directory.CreateDirectory(folder);
        var data = FashionMnist.EmbeddedTest();
        var rng = new Random(0);
        for (int i = 0; i < count; i++)
        {
            using var grey = Image.LoadPixelData<L8>(data.Pixels(i).ToArray(), 28, 28);
            int w = rng.Next(256, 641), h = rng.Next(256, 641);
            grey.Mutate(m => m.Resize(w, h));
            using var rgb = grey.CloneAs<Rgb24>();
            float r = 0.5f + (float)rng.NextDouble() / 2, g = 0.5f + (float)rng.NextDouble() / 2, b = 0.5f + (float)rng.NextDouble() / 2;
            rgb.ProcessPixelRows(rows =>
            {
                for (int y = 0; y < rows.Height; y++)
                    foreach (ref var p in rows.GetRowSpan(y))
                        p = new Rgb24((byte)(p.R * r), (byte)(p.G * g), (byte)(p.B * b));
            });
            rgb.SaveAsJpeg(Path.Combine(folder, $"{i:D5}.jpg"), new SixLabors.ImageSharp.Formats.Jpeg.JpegEncoder { Quality = 90 });
        }
    }
}
