using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using System.Runtime.ExceptionServices;

namespace OnnxMec.Host.Training;

/// <summary>
/// The trainer as a BackgroundService: Ctrl+C or SIGTERM cancels the stopping token, the trainer
/// finishes its step, writes a checkpoint and returns; then the application stops.
/// </summary>
internal sealed class TrainerService(TrainingRun run, IHostApplicationLifetime lifetime, ILogger<TrainerService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            using var progress = ProgressReporters.Create(run.Output, logger);
            run.Outcome = await new Trainer(run.Settings, progress, logger).RunAsync(run.Resume, stoppingToken);
        }
        catch (Exception e)
        {
            run.Failure = ExceptionDispatchInfo.Capture(e);
        }
        finally
        {
            lifetime.StopApplication();
        }
    }
}
