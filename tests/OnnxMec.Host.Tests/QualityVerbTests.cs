using System.Text.Json;

namespace OnnxMec.Host.Tests;

/// <summary>The verbs that measure representation quality, on a briefly trained tiny encoder (1,000 embedded images as the bank, 9,000 as queries).</summary>
public class QualityVerbTests
{
    private static string _checkpoint = "";

    [OneTimeSetUp]
    public void TrainBriefly()
    {
        string run = HostFixture.NewRunDir("quality");
        var (exit, output) = CliRunner.Run(["train", "--run-dir", run, .. HostFixture.ShortRun(1, "Knn:AtStart=false", "Export=false")]);
        Assert.That(exit, Is.Zero, output);
        _checkpoint = Path.Combine(run, "checkpoints", "latest.safetensors");
    }

    [Test]
    public void Eval_finetune_trains_the_pre_trained_and_a_scratch_network_on_the_same_labelled_share()
    {
        var (exit, output) = CliRunner.Run("eval", "finetune", "--checkpoint", _checkpoint, "--labels", "10", "--steps", "8", "--batch-size", "32", "--threads", "1", "--json");
        Assert.That(exit, Is.Zero, output);
        Assert.That(output, Does.Contain("| 10 % |"));
        var row = JsonDocument.Parse(CliRunner.LastLine(output)).RootElement.GetProperty("rows")[0];
        Assert.That(row.GetProperty("images").GetInt32(), Is.InRange(90, 110), "10 % of each class of the 1,000 images");
        Assert.That(row.GetProperty("steps").GetInt32(), Is.EqualTo(8));
        foreach (var key in new[] { "pretrained_top1", "scratch_top1" })
            Assert.That(row.GetProperty(key).GetDouble(), Is.InRange(0, 100), key);
    }

    [Test]
    public void The_labelled_share_is_balanced_and_seeded()
    {
        var data = Data.FashionMnist.EmbeddedTest();
        var a = new FineTuning.LabelledSubset(data, 0.01, seed: 3);
        var b = new FineTuning.LabelledSubset(data, 0.01, seed: 3);
        var c = new FineTuning.LabelledSubset(data, 0.01, seed: 4);
        var labels = Enumerable.Range(0, a.Count).Select(a.Label).ToList();
        Assert.That(labels.GroupBy(l => l).Select(g => g.Count()), Is.All.EqualTo(10), "1 % of each class's 1,000 test images");
        var first = new Data.FloatImage(1, 1, 1);
        var second = new Data.FloatImage(1, 1, 1);
        a.Read(0, first);
        b.Read(0, second);
        Assert.That(second.Data, Is.EqualTo(first.Data), "the same seed, the same images");
        c.Read(0, second);
        Assert.That(Enumerable.Range(0, a.Count).Any(i => { a.Read(i, first); c.Read(i, second); return !first.Data.SequenceEqual(second.Data); }), Is.True, "another seed, other images");
    }

    [Test]
    public void Bench_quality_compares_the_encoder_with_raw_pixels_on_both_banks()
    {
        var (exit, output) = CliRunner.Run("bench", "quality", "--checkpoint", _checkpoint, "--probe-epochs", "2", "--threads", "1", "--json");
        Assert.That(exit, Is.Zero, output);
        var rows = JsonDocument.Parse(CliRunner.LastLine(output)).RootElement.GetProperty("rows").EnumerateArray().ToList();
        Assert.That(rows.Select(r => r.GetProperty("features").GetString()).Distinct(), Is.EquivalentTo(new[] { "encoder", "raw pixels" }));
        foreach (var r in rows)
        {
            Assert.That(r.GetProperty("sweep").EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "1", "3", "5", "10", "20", "50", "100", "200" }));
            Assert.That(r.GetProperty("best_knn_top1").GetDouble(), Is.GreaterThanOrEqualTo(r.GetProperty("knn_top1_at200").GetDouble()));
            Assert.That(r.GetProperty("linear_top1").GetDouble(), Is.InRange(10, 100));
            // The printed sweep table carries the measured values, one line per features and bank.
            string sweep = string.Join(" | ", r.GetProperty("sweep").EnumerateObject().Select(p => p.Value.GetDouble().ToString("F2", System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(output, Does.Contain($"| {r.GetProperty("features").GetString()} | {r.GetProperty("bank").GetString()} ({r.GetProperty("bank_size").GetInt32().ToString("N0", System.Globalization.CultureInfo.InvariantCulture)}) | {sweep} |"));
        }
        string markdown = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(_checkpoint)!)!, "quality.md");
        Assert.That(File.ReadAllText(markdown), Does.Contain("kNN top-1 (%) at each k:").And.Contain("| k = 1 | k = 3 |"));
    }
}
