using System.Globalization;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace OnnxMec.Host.Training;

/// <summary>Where a run reports progress: a live bar on a terminal, plain log lines otherwise.</summary>
internal interface IProgressReporter : IDisposable
{
    void Message(string text);
    void Step(long step, long totalSteps, int epoch, float loss, double imagesPerSecond);

    /// <summary>The steps are over: a live bar is finished here, so what the run prints after it (the final kNN, the summary) follows it in order.</summary>
    void Complete();
}

internal static class ProgressReporters
{
    public static IProgressReporter Create(TextWriter output, ILogger logger) =>
        ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive && Distributed.ProcessGroup.Current.Size == 1
            ? new LiveProgress()
            : new PlainProgress(output, logger);
}

/// <summary>Plain lines: a step line every few seconds with the time left at the pace so far, messages as they come.</summary>
internal sealed class PlainProgress(TextWriter output, ILogger logger) : IProgressReporter
{
    private DateTime _last = DateTime.MinValue;
    private readonly System.Diagnostics.Stopwatch _clock = new();
    private long _firstStep = -1;

    public void Message(string text) => output.WriteLine(text);

    public void Step(long step, long totalSteps, int epoch, float loss, double imagesPerSecond)
    {
        if (_firstStep < 0) { _firstStep = step; _clock.Start(); }
        if (DateTime.UtcNow - _last < TimeSpan.FromSeconds(5) && step != totalSteps) return;
        _last = DateTime.UtcNow;
        string left = step > _firstStep && step < totalSteps
            ? ", " + Remaining(TimeSpan.FromSeconds(_clock.Elapsed.TotalSeconds / (step - _firstStep) * (totalSteps - step))) + " left"
            : "";
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"epoch {epoch + 1} step {step}/{totalSteps} loss {loss:F4} {imagesPerSecond:F0} img/s{left}"));
        logger.LogDebug("step {Step} loss {Loss}", step, loss);
    }

    public void Complete() { }

    private static string Remaining(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours} h {t.Minutes:D2} min" : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes} min {t.Seconds:D2} s" : $"{t.Seconds} s";

    public void Dispose() { }
}

/// <summary>
/// A Spectre.Console progress bar with epoch, step, loss, images/s, percentage and time left;
/// messages print above it, wrapped to the terminal.
/// </summary>
/// <remarks>
/// Spectre redraws the bar by moving the cursor up by the lines it drew last time, so every line
/// it draws must fit the terminal: a wrapped one would put it a row off. The bar column is sized
/// at each step to leave the line <see cref="Margin"/> columns short of the terminal's width, and
/// messages are wrapped before Spectre sees them.
/// </remarks>
internal sealed class LiveProgress : IProgressReporter
{
    private const int Margin = 2;

    /// <summary>What the columns other than the description and the bar take: "100%", "00:00:00" and the gaps between the four columns.</summary>
    private const int FixedColumns = 4 + 8 + 3;

    private readonly Task _render;
    private readonly TaskCompletionSource _done = new();
    private readonly TaskCompletionSource<ProgressContext> _context = new();
    private readonly ProgressBarColumn _bar = new() { Width = 10 };
    private ProgressTask? _task;

    public LiveProgress()
    {
        _render = AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), _bar, new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async ctx =>
            {
                _context.SetResult(ctx);
                await _done.Task;
            });
    }

    /// <summary>
    /// One write per terminal line: Spectre puts a write where the live region starts, on its
    /// blank top line, and redraws the region below it, but does not erase the rows a second line
    /// would land on (the bar's), so a message of several lines written at once leaves the old bar
    /// showing through it.
    /// </summary>
    public void Message(string text)
    {
        foreach (var line in Wrap(text, AnsiConsole.Profile.Width - 1)) AnsiConsole.Write(new Text(line + "\n"));
    }

    public void Step(long step, long totalSteps, int epoch, float loss, double imagesPerSecond)
    {
        var ctx = _context.Task.Result;
        _task ??= ctx.AddTask("training", maxValue: totalSteps);
        int width = AnsiConsole.Profile.Width;
        string description = string.Create(CultureInfo.InvariantCulture, $"epoch {epoch + 1} step {step}/{totalSteps} loss {loss:F4} {imagesPerSecond:F0} img/s");
        if (description.Length + FixedColumns + 10 + Margin > width)
            description = string.Create(CultureInfo.InvariantCulture, $"{step}/{totalSteps} loss {loss:F4}");
        _bar.Width = Math.Clamp(width - Margin - FixedColumns - description.Length, 5, 40);
        _task.Description = description;
        _task.Value = step;
    }

    public void Complete()
    {
        _done.TrySetResult();
        _render.Wait();
    }

    public void Dispose() => Complete();

    /// <summary>
    /// Each line of the text broken at spaces into lines of at most <paramref name="width"/>
    /// columns, continuations indented two more than the line's own indent (a longer word keeps
    /// its own line).
    /// </summary>
    internal static IEnumerable<string> Wrap(string text, int width)
    {
        foreach (var whole in text.Split('\n'))
        {
            if (width < 20 || whole.Length <= width) { yield return whole; continue; }
            int indent = whole.Length - whole.TrimStart(' ').Length;
            var line = new System.Text.StringBuilder(whole[..indent]);
            int start = indent;
            foreach (var word in whole[indent..].Split(' '))
            {
                if (line.Length > start && line.Length + 1 + word.Length > width)
                {
                    yield return line.ToString();
                    line.Clear().Append(' ', indent + 2);
                    start = indent + 2;
                }
                if (line.Length > start) line.Append(' ');
                line.Append(word);
            }
            yield return line.ToString();
        }
    }
}
