using System.Text.Json;

namespace OnnxMec.Host.Tests;

/// <summary>The whole `bench ablations` command on 1,000 images for one epoch: every run made with the setting its row names.</summary>
public class AblationSweepTests
{
    [Test]
    public void The_sweep_trains_one_run_per_setting_and_writes_its_table_chart_and_json()
    {
        string folder = HostFixture.NewRunDir("ablations");
        var (exit, output) = CliRunner.Run(["bench", "ablations", "--epochs", "1", "--threads", "1", "--out", folder, "--json",
            "--set", "Data:EmbeddedQueries=9000", "Knn:MaxQueries=300"]);
        Assert.That(exit, Is.Zero, output);

        var rows = JsonDocument.Parse(output.TrimEnd().Split('\n')[^1]).RootElement.GetProperty("rows").EnumerateArray().ToList();
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
            Assert.That(row.GetProperty("knn_trained").ValueKind, Is.EqualTo(JsonValueKind.Number), row.ToString());
        }

        // Each run was made with what its row says: read back from the run's own config.
        JsonElement Config(string run) => JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "runs", run, "config.json"))).RootElement;
        Assert.That(Config("batch32-seed0").GetProperty("BatchSize").GetInt32(), Is.EqualTo(32));
        Assert.That(Config("batch32-seed0").GetProperty("Lr").GetDouble(), Is.EqualTo(0.15).Within(1e-12), "lr scales with the batch");
        Assert.That(Config("eps0.25-seed0").GetProperty("Loss").GetProperty("EpsD2").GetDouble(), Is.EqualTo(0.25));
        Assert.That(Config("order1-seed0").GetProperty("Artifacts").GetString(), Does.EndWith("resnet18-mini-order1"));
        var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "sets", "resnet18-mini-order1", "manifest.json"))).RootElement;
        Assert.That(manifest.GetProperty("config").GetProperty("order").GetInt32(), Is.EqualTo(1));

        var table = File.ReadAllLines(Path.Combine(folder, "ablations.md"));
        Assert.That(table, Has.Length.EqualTo(2 + 12), "a header and a line per row");
        Assert.That(File.ReadAllBytes(Path.Combine(folder, "ablations.png"))[..4], Is.EqualTo(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }));
    }
}
