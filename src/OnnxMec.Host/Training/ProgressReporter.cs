using System.Globalization;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace OnnxMec.Host.Training;

/// <summary>Where a run reports progress: a live bar on a terminal, plain log lines otherwise.</summary>
internal interface IProgressReporter : IDisposable
{
    void Message(string text);
    void Step(long step, long totalSteps, int epoch, float loss, double imagesPerSecond);
}

internal static class ProgressReporters
{
    public static IProgressReporter Create(TextWriter output, ILogger logger) =>
        ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive && Distributed.ProcessGroup.Current.Size == 1
            ? new LiveProgress()
            : new PlainProgress(output, logger);
}

/// <summary>Plain lines: a step line every few seconds, messages as they come.</summary>
internal sealed class PlainProgress(TextWriter output, ILogger logger) : IProgressReporter
{
    private DateTime _last = DateTime.MinValue;

    public void Message(string text) => output.WriteLine(text);

    public void Step(long step, long totalSteps, int epoch, float loss, double imagesPerSecond)
    {
        if (DateTime.UtcNow - _last < TimeSpan.FromSeconds(5) && step != totalSteps) return;
        _last = DateTime.UtcNow;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"epoch {epoch + 1} step {step}/{totalSteps} loss {loss:F4} {imagesPerSecond:F0} img/s"));
        logger.LogDebug("step {Step} loss {Loss}", step, loss);
    }

    public void Dispose() { }
}

/// <summary>A Spectre.Console progress bar with epoch, step, loss, images/s and ETA; messages print above it.</summary>
internal sealed class LiveProgress : IProgressReporter
{
    private readonly Task _render;
    private readonly TaskCompletionSource _done = new();
    private readonly TaskCompletionSource<ProgressContext> _context = new();
    private ProgressTask? _task;

    public LiveProgress()
    {
        _render = AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                _context.SetResult(ctx);
                await _done.Task;
            });
    }

    public void Message(string text) => AnsiConsole.MarkupLine(Markup.Escape(text));

    public void Step(long step, long totalSteps, int epoch, float loss, double imagesPerSecond)
    {
        var ctx = _context.Task.Result;
        _task ??= ctx.AddTask("training", maxValue: totalSteps);
        _task.Value = step;
        _task.Description = string.Create(CultureInfo.InvariantCulture, $"epoch {epoch + 1} step {step}/{totalSteps} loss {loss:F4} {imagesPerSecond:F0} img/s");
    }

    public void Dispose()
    {
        _done.TrySetResult();
        _render.Wait();
    }
}
