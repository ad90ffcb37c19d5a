using System.Text.Json;
using OnnxMec.Host.Training;

namespace OnnxMec.Host.Tests;

public class TrainingChartTests
{
    private static string Metrics(string name, IEnumerable<object> records)
    {
        string path = Path.Combine(HostFixture.Root, name);
        File.WriteAllLines(path, records.Select(r => JsonSerializer.Serialize(r)));
        return path;
    }

    private static (int Width, int Height) PngSize(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.That(bytes[1..4], Is.EqualTo("PNG"u8.ToArray()), "a PNG file");
        int Int(int at) => (bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3];
        return (Int(16), Int(20));
    }

    [Test]
    public void The_chart_is_drawn_from_steps_with_a_diverged_loss_repeated_steps_and_no_knn()
    {
        // A run killed and resumed writes some steps twice; a diverging step writes "NaN"; an unlabelled run has no kNN.
        var steps = Enumerable.Range(1, 300).Select(i => (object)new
        {
            type = "step", step = i, epoch = i / 100, loss = i == 150 ? (object)"NaN" : -i / 100.0,
            coding_length = i / 300.0, positive_cosine = 0.5, spectral_norm = i / 250.0, lr = 0.1,
        }).Concat(Enumerable.Range(90, 10).Select(i => (object)new { type = "step", step = i, epoch = 0, loss = -1.0, lr = 0.1 }));
        string png = Path.Combine(HostFixture.Root, "chart-unlabelled.png");
        TrainingChart.Write(Metrics("chart-unlabelled.jsonl", steps), png);
        Assert.That(PngSize(png), Is.EqualTo((1200, 1000)));
    }

    [Test]
    public void The_chart_is_drawn_from_knn_records_alone()
    {
        string png = Path.Combine(HostFixture.Root, "chart-knn.png");
        TrainingChart.Write(Metrics("chart-knn.jsonl", [new { type = "knn", step = 0, epoch = 0, knn_top1 = 61.5, knn_top5 = 95.0 }]), png);
        Assert.That(PngSize(png), Is.EqualTo((1200, 1000)));
    }
}
