using System.Globalization;
using ScottPlot;

namespace OnnxMec.Host.Bench;

/// <summary>The sweep as one PNG: a panel per axis (Taylor order, batch size, ε_d²), kNN top-1 after training at each measured setting (the mean, and each seed as a small point), the random init as a dashed line.</summary>
internal static class AblationChart
{
    public static void Write(IReadOnlyList<AblationRow> rows, string pngPath)
    {
        var axes = new[] { ("order", "Taylor order"), ("batch", "batch size (lr scaled with it)"), ("eps_d2", "ε_d²") };
        var multiplot = new Multiplot();
        multiplot.AddPlots(axes.Length);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
        for (int i = 0; i < axes.Length; i++)
        {
            var (axis, label) = axes[i];
            var points = rows.Where(r => r.Axis == axis).ToList();
            var plot = multiplot.GetPlot(i);
            double[] xs = Enumerable.Range(0, points.Count).Select(p => (double)p).ToArray();
            var trained = plot.Add.Scatter(xs, points.Select(p => p.KnnTrained).ToArray());
            trained.MarkerSize = 9;
            trained.LineWidth = 1;
            trained.LegendText = points.Any(p => p.Runs.Count > 1) ? "trained (mean of the seeds)" : "trained";
            if (points.Any(p => p.Runs.Count > 1))
            {
                var seeds = plot.Add.ScatterPoints(
                    points.SelectMany((p, x) => p.Runs.Select(_ => (double)x)).ToArray(),
                    points.SelectMany(p => p.Runs.Select(r => r.KnnTrained)).ToArray());
                seeds.MarkerSize = 4;
                seeds.LegendText = "each seed";
            }
            if (points.Count > 0)
            {
                var init = plot.Add.HorizontalLine(points.Average(p => p.KnnInit));
                init.LinePattern = LinePattern.Dashed;
                init.LegendText = "random init";
            }
            plot.Axes.Bottom.SetTicks(xs, points.Select(p => p.Value.ToString("0.#####", CultureInfo.InvariantCulture)).ToArray());
            plot.XLabel(label);
            plot.YLabel("kNN top-1 (%)");
            plot.ShowLegend(Edge.Bottom);
        }
        multiplot.SavePng(pngPath, 1350, 420);
    }
}
