using System.Globalization;
using System.Text.Json;
using ScottPlot;

namespace OnnxMec.Host.Training;

/// <summary>
/// training.png: one panel per thing a person watching a run looks at, read from metrics.jsonl,
/// each over the step: the loss (per step, and smoothed), the kNN accuracy at the steps where it
/// was measured (points, never joined: nothing was measured in between), the learning rate, the
/// coding length, the spectral-norm estimate of C (the series converges only below 1) and the
/// cosine of the positive pairs. A metric the run's loss does not report leaves its panel saying so.
/// </summary>
internal static class TrainingChart
{
    private const int Width = 1200, Height = 1000;

    /// <summary>A per-step metric and how its panel is titled.</summary>
    private sealed record Panel(string Metric, string Title);

    private static readonly Panel[] StepPanels =
    [
        new("lr", "learning rate"),
        new("coding_length", "coding length (μ · MEC term, positive)"),
        new("spectral_norm", "‖C‖₂ estimate (the series needs < 1)"),
        new("positive_cosine", "cosine of the positive pairs"),
    ];

    private static readonly Color Measured = Colors.DarkOrange, Curve = Colors.SteelBlue;

    public static void Write(string metricsPath, string pngPath)
    {
        var steps = LastPerStep(MetricsLog.Read(metricsPath, "step"));
        var knn = LastPerStep(MetricsLog.Read(metricsPath, "knn"));
        var multiplot = new Multiplot();
        multiplot.AddPlots(2 + StepPanels.Length);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(rows: 3, columns: 2);
        var plots = multiplot.GetPlots();
        var drawn = new List<Plot>();
        if (Loss(plots[0], steps)) drawn.Add(plots[0]);
        if (Knn(plots[1], knn)) drawn.Add(plots[1]);
        for (int i = 0; i < StepPanels.Length; i++)
            if (Metric(plots[2 + i], steps, StepPanels[i])) drawn.Add(plots[2 + i]);
        // One step axis for every panel, so a kNN point sits above the steps it followed.
        double last = Math.Max(1, steps.Concat(knn).Select(r => r.GetProperty("step").GetInt64()).DefaultIfEmpty(0).Max());
        foreach (var plot in drawn)
        {
            plot.XLabel("step", 12);
            plot.Axes.SetLimitsX(-0.02 * last, 1.02 * last);
        }
        multiplot.SavePng(pngPath, Width, Height);
    }

    /// <summary>
    /// Records by step, the later one winning: a run killed and resumed repeats the steps after its
    /// last checkpoint, and the resumed ones are the run's.
    /// </summary>
    private static List<JsonElement> LastPerStep(IEnumerable<JsonElement> records)
    {
        var byStep = new SortedDictionary<long, JsonElement>();
        foreach (var r in records)
            if (r.TryGetProperty("step", out var s) && s.TryGetInt64(out long step)) byStep[step] = r;
        return [.. byStep.Values];
    }

    /// <summary>The finite values of a metric with their steps; "NaN"/"Infinity" (a diverging step) are left out.</summary>
    private static (double[] Steps, double[] Values) Series(List<JsonElement> records, string metric)
    {
        var xs = new List<double>();
        var ys = new List<double>();
        foreach (var r in records)
        {
            if (!r.TryGetProperty(metric, out var v)) continue;
            double value = v.ValueKind == JsonValueKind.Number ? v.GetDouble() : double.NaN;
            if (!double.IsFinite(value)) continue;
            xs.Add(r.GetProperty("step").GetInt64());
            ys.Add(value);
        }
        return ([.. xs], [.. ys]);
    }

    private static bool Loss(Plot plot, List<JsonElement> steps)
    {
        var (xs, ys) = Series(steps, "loss");
        if (xs.Length == 0) return Empty(plot, "loss", "no steps recorded");
        int span = Math.Max(1, xs.Length / 50);
        if (span == 1)
        {
            plot.Title("loss", 14);
            Line(plot, xs, ys, Curve, 1.5f);
            return true;
        }
        plot.Title($"loss (light: per step; dark: mean of the last {span} steps)", 14);
        Line(plot, xs, ys, Curve.WithAlpha(0.35), 1);
        Line(plot, xs, MovingAverage(ys, span), Curve, 2);
        return true;
    }

    private static bool Knn(Plot plot, List<JsonElement> records)
    {
        var (xs, ys) = Series(records, "knn_top1");
        if (xs.Length == 0) return Empty(plot, "kNN top-1 (%)", "not measured (no labelled queries, or the run ended before a measurement)");
        plot.Title("kNN top-1 (%), at the steps where it was measured", 14);
        var points = plot.Add.ScatterPoints(xs, ys, Measured);
        points.MarkerSize = 9;
        points.MarkerShape = MarkerShape.FilledCircle;
        if (xs.Length <= 24)
            for (int i = 0; i < xs.Length; i++)
            {
                var label = plot.Add.Text(ys[i].ToString("F2", CultureInfo.InvariantCulture), xs[i], ys[i]);
                label.LabelFontSize = 12;
                label.LabelFontColor = Colors.Black;
                // The end labels lean inwards, so none is cut by the panel's edge.
                label.LabelAlignment = xs.Length == 1 ? Alignment.LowerCenter : i == 0 ? Alignment.LowerLeft : i == xs.Length - 1 ? Alignment.LowerRight : Alignment.LowerCenter;
                label.OffsetY = -8;
            }
        plot.Axes.Margins(0.08, 0.08, 0.15, 0.25);
        return true;
    }

    private static bool Metric(Plot plot, List<JsonElement> steps, Panel panel)
    {
        var (xs, ys) = Series(steps, panel.Metric);
        if (xs.Length == 0) return Empty(plot, panel.Title, steps.Count == 0 ? "no steps recorded" : $"'{panel.Metric}' is not reported by this run's loss");
        plot.Title(panel.Title, 14);
        Line(plot, xs, ys, Curve, 1.5f);
        // The bound only where the curve comes near it; drawn always, it would flatten a curve that stays far below.
        if (panel.Metric == "spectral_norm" && ys.Max() > 0.5)
            plot.Add.HorizontalLine(1, 1.5f, Colors.Crimson, LinePattern.Dashed);
        return true;
    }

    private static void Line(Plot plot, double[] xs, double[] ys, Color color, float width)
    {
        var line = plot.Add.ScatterLine(xs, ys, color);
        line.LineWidth = width;
    }

    /// <summary>A panel with nothing to draw says what is missing and why (its axes are hidden, the title with them); false, so it keeps its own limits.</summary>
    private static bool Empty(Plot plot, string title, string why)
    {
        var text = plot.Add.Text($"{title}: {why}", 0, 0);
        text.LabelFontSize = 12;
        text.LabelAlignment = Alignment.MiddleCenter;
        plot.Axes.SetLimits(-1, 1, -1, 1);
        plot.HideAxesAndGrid();
        return false;
    }

    /// <summary>The mean of the last <paramref name="span"/> values at each point (fewer at the start).</summary>
    private static double[] MovingAverage(double[] ys, int span)
    {
        var result = new double[ys.Length];
        double sum = 0;
        for (int i = 0; i < ys.Length; i++)
        {
            sum += ys[i];
            if (i >= span) sum -= ys[i - span];
            result[i] = sum / Math.Min(i + 1, span);
        }
        return result;
    }
}
