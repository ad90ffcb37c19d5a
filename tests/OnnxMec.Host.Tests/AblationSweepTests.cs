using System.Text.Json;

namespace OnnxMec.Host.Tests;

/// <summary>
/// The whole `bench ablations` command on 1,000 images for one epoch and two seeds: every run made
/// with the setting its row names, and a rerun into the same folder resuming the sweep.
/// </summary>
public class AblationSweepTests
{
    [Test]
    public void The_sweep_trains_one_run_per_setting_and_seed_writes_its_table_chart_and_json_and_a_rerun_resumes_it()
    {
        string folder = HostFixture.NewRunDir("ablations");
        string[] command = ["bench", "ablations", "--epochs", "1", "--seeds", "0", "1", "--threads", "1", "--out", folder, "--json",
            "--set", "Data:EmbeddedQueries=9000", "Knn:MaxQueries=300"];
        var (exit, output) = CliRunner.Run(command);
        Assert.That(exit, Is.Zero, output);

        var rows = Rows(output);
        var settings = rows.Select(r => (r.GetProperty("axis").GetString(), r.GetProperty("value").GetDouble())).ToList();
        Assert.That(settings, Is.EqualTo(new (string?, double)[]
        {
            ("order", 1), ("order", 2), ("order", 4),
            ("batch", 32), ("batch", 64), ("batch", 128), ("batch", 256), ("batch", 512),
            ("eps_d2", 1.0 / 32), ("eps_d2", 0.25), ("eps_d2", 1), ("eps_d2", 4),
        }));
        foreach (var row in rows)
        {
            Assert.That(row.GetProperty("knn_init").GetDouble(), Is.InRange(5.0, 100.0), row.ToString());
            var runs = row.GetProperty("runs").EnumerateArray().ToList();
            Assert.That(runs.Select(r => r.GetProperty("seed").GetInt32()), Is.EqualTo(new[] { 0, 1 }), row.ToString());
            double a = runs[0].GetProperty("knn_trained").GetDouble(), b = runs[1].GetProperty("knn_trained").GetDouble();
            Assert.That(row.GetProperty("knn_trained").GetDouble(), Is.EqualTo((a + b) / 2).Within(1e-9), "the row is the mean of its seeds");
            Assert.That(row.GetProperty("knn_trained_sd").GetDouble(), Is.EqualTo(Math.Abs(a - b) / Math.Sqrt(2)).Within(1e-9), "and their sample sd");
        }

        // Each run was made with what its row says: read back from the run's own config.
        JsonElement Config(string run) => JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "runs", run, "config.json"))).RootElement;
        Assert.That(Config("batch32-seed0").GetProperty("BatchSize").GetInt32(), Is.EqualTo(32));
        Assert.That(Config("batch32-seed1").GetProperty("Seed").GetInt32(), Is.EqualTo(1));
        Assert.That(Config("batch32-seed0").GetProperty("Lr").GetDouble(), Is.EqualTo(0.15).Within(1e-12), "lr scales with the batch");
        Assert.That(Config("eps0.25-seed0").GetProperty("Loss").GetProperty("EpsD2").GetDouble(), Is.EqualTo(0.25));
        // The centre is batch 128 at lr 0.6 whatever batch the quickstart itself runs.
        Assert.That(Config("centre-seed0").GetProperty("BatchSize").GetInt32(), Is.EqualTo(128));
        Assert.That(Config("centre-seed0").GetProperty("Lr").GetDouble(), Is.EqualTo(0.6).Within(1e-12));
        Assert.That(Config("eps0.25-seed0").GetProperty("BatchSize").GetInt32(), Is.EqualTo(128));
        Assert.That(Config("order1-seed0").GetProperty("Artifacts").GetString(), Does.EndWith("resnet18-mini-order1"));
        var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "sets", "resnet18-mini-order1", "manifest.json"))).RootElement;
        Assert.That(manifest.GetProperty("config").GetProperty("order").GetInt32(), Is.EqualTo(1));

        var table = File.ReadAllLines(Path.Combine(folder, "ablations.md"));
        Assert.That(table, Has.Length.EqualTo(2 + 12), "a header and a line per row");
        Assert.That(File.ReadAllBytes(Path.Combine(folder, "ablations.png"))[..4], Is.EqualTo(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }));

        // A rerun reads finished runs back. One run stands for a sweep killed before that run's
        // first checkpoint (its folder holds a config and no result): it is moved aside and trained again.
        string killed = Path.Combine(folder, "runs", "eps4-seed1");
        File.Delete(Path.Combine(killed, "ablation-result.json"));
        Directory.Delete(Path.Combine(killed, "checkpoints"), recursive: true);
        string kept = Path.Combine(folder, "runs", "batch64-seed0", "ablation-result.json");
        var keptTime = File.GetLastWriteTimeUtc(kept);
        var (again, rerun) = CliRunner.Run(command);
        Assert.That(again, Is.Zero, rerun);
        Assert.That(File.GetLastWriteTimeUtc(kept), Is.EqualTo(keptTime), "a finished run is not trained again");
        Assert.That(Directory.GetDirectories(Path.Combine(folder, "runs"), "eps4-seed1.incomplete-*"), Has.Length.EqualTo(1), "the killed run's folder is kept aside");
        Assert.That(File.Exists(Path.Combine(killed, "ablation-result.json")), "and the run made again");
        // Same seeds, one thread: the retrained run gives what it gave before, so the rows are the same.
        Assert.That(Rows(rerun).Select(Accuracies), Is.EqualTo(rows.Select(Accuracies)));

        // Another sweep into the same folder is refused, naming a run made with other settings.
        string[] longer = [.. command];
        longer[Array.IndexOf(longer, "--epochs") + 1] = "2";
        var (other, refused) = CliRunner.Run(longer);
        Assert.That(other, Is.EqualTo(2), refused);
        Assert.That(refused, Does.Match(@"error: .*ablation-result\.json: this run was made with other settings .*Epochs=1.*Epochs=2"));

        File.WriteAllText(kept, "{\"settings\": \"x\", \"knn_init\": 512, \"knn_trained\": 1, \"seconds\": 1}");
        var (bad, hostile) = CliRunner.Run(command);
        Assert.That(bad, Is.EqualTo(2), hostile);
        Assert.That(hostile.Trim().Split('\n'), Has.Some.StartsWith($"error: {kept}: expected knn_init"));
    }

    private static string Accuracies(JsonElement row) => string.Join(" ", new[] { "knn_init", "knn_trained", "knn_trained_sd" }.Select(p => row.GetProperty(p).ToString())
        .Concat(row.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("knn_trained").ToString())));

    private static List<JsonElement> Rows(string output) =>
        JsonDocument.Parse(output.TrimEnd().Split('\n')[^1]).RootElement.GetProperty("rows").EnumerateArray().ToList();
}
