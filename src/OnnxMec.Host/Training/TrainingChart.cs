using System.Text.Json;
using ScottPlot;

namespace OnnxMec.Host.Training;

/// <summary>A PNG of the loss per step and the kNN accuracy per evaluation, read from metrics.jsonl.</summary>
internal static class TrainingChart
{
    public static void Write(string metricsPath, string pngPath)
    {
        var steps = MetricsLog.Read(metricsPath, "step").ToList();
        var knn = MetricsLog.Read(metricsPath, "knn").ToList();
        var plot = new Plot();
        if (steps.Count > 0)
        {
            var loss = plot.Add.Scatter(steps.Select(e => (double)e.GetProperty("step").GetInt64()).ToArray(), steps.Select(e => e.GetProperty("loss").GetDouble()).ToArray());
            loss.LegendText = "loss";
            loss.MarkerSize = 0;
        }
        if (knn.Count > 0)
        {
            var accuracy = plot.Add.Scatter(knn.Select(e => (double)e.GetProperty("step").GetInt64()).ToArray(), knn.Select(e => e.GetProperty("knn_top1").GetDouble()).ToArray());
            accuracy.LegendText = "kNN top-1 (%)";
            accuracy.Axes.YAxis = plot.Axes.Right;
            plot.Axes.Right.Label.Text = "kNN top-1 (%)";
        }
        plot.Title("MEC training");
        plot.XLabel("step");
        plot.YLabel("loss");
        plot.ShowLegend();
        plot.SavePng(pngPath, 900, 500);
    }
}
