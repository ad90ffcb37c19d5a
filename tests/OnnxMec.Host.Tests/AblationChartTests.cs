namespace OnnxMec.Host.Tests;

public class AblationChartTests
{
    [Test]
    public void The_ablation_chart_has_a_panel_per_axis_and_keeps_a_diverged_run()
    {
        var rows = new List<Bench.AblationRow>
        {
            new("order", 1, "order 1", 60, 65, 1), new("order", 2, "order 2", 60, 66, 1), new("order", 4, "order 4", 60, 67, 1),
            new("batch", 32, "batch 32", 60, 64, 1), new("batch", 128, "batch 128", 60, 67, 1),
            new("eps_d2", 0.03125, "ε_d² 1/32", 60, double.NaN, 1), new("eps_d2", 1, "ε_d² 1", 60, 67, 1),
        };
        string png = Path.Combine(HostFixture.Root, "ablations.png");
        Bench.AblationChart.Write(rows, png);
        var bytes = File.ReadAllBytes(png);
        Assert.That(bytes[..4], Is.EqualTo(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }));
        Assert.That(BitConverter.ToInt32(bytes.AsSpan(16, 4).ToArray().Reverse().ToArray()), Is.EqualTo(1350), "three panels side by side");
    }
}
