using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OnnxMec.Host.Configuration;

namespace OnnxMec.Host.Training;

/// <summary>What the CLI needs from the hosted run once the host has stopped.</summary>
internal sealed class TrainingRunResult
{
    public TrainingOutcome? Outcome { get; set; }
    public Exception? Error { get; set; }
}

/// <summary>Settings of one hosted run that are not configuration: resume, and where progress goes.</summary>
internal sealed record TrainingRunRequest(bool Resume, TextWriter Output);

/// <summary>
/// The trainer as a BackgroundService: Ctrl+C or SIGTERM cancels the stopping token, the trainer
/// finishes its step, writes a checkpoint and returns; then the application stops.
/// </summary>
internal sealed class TrainerService(IOptions<TrainingOptions> options, TrainingRunRequest request, TrainingRunResult result,
    IHostApplicationLifetime lifetime, ILogger<TrainerService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            using var progress = ProgressReporters.Create(request.Output, logger);
            result.Outcome = await new Trainer(options.Value, progress, logger).RunAsync(request.Resume, stoppingToken);
        }
        catch (Exception e)
        {
            result.Error = e;
        }
        finally
        {
            lifetime.StopApplication();
        }
    }
}
