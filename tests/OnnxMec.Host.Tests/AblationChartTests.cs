namespace OnnxMec.Host.Tests;

public class AblationChartTests
{
    [Test]
    public void The_ablation_chart_has_a_panel_per_axis_and_keeps_a_diverged_run()
    {
        // Two seeds per setting, so the chart also draws each seed's point.
        Bench.AblationRow Row(string axis, double value, double a, double b) =>
            new(axis, value, $"{axis} {value}", 60, (a + b) / 2, Math.Abs(a - b) / Math.Sqrt(2), 2, [new(0, 60, a, 1), new(1, 60, b, 1)]);
        var rows = new List<Bench.AblationRow>
        {
            Row("order", 1, 65, 64), Row("order", 2, 66, 67), Row("order", 4, 67, 66),
            Row("batch", 32, 64, 63), Row("batch", 128, 67, 66),
            Row("eps_d2", 0.03125, double.NaN, 30), Row("eps_d2", 1, 67, 68),
        };
        string png = Path.Combine(HostFixture.Root, "ablations.png");
        Bench.AblationChart.Write(rows, png);
        var bytes = File.ReadAllBytes(png);
        Assert.That(bytes[..4], Is.EqualTo(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }));
        Assert.That(BitConverter.ToInt32(bytes.AsSpan(16, 4).ToArray().Reverse().ToArray()), Is.EqualTo(1350), "three panels side by side");
    }
}
