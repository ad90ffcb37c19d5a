using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace OnnxMec.Host.Training;

/// <summary>Runs a training run in the .NET generic host (systemd-aware); its settings were bound and checked once, before.</summary>
internal static class TrainingHost
{
    public static async Task RunAsync(TrainingRun run, CancellationToken cancellation)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, Args = [] });
        builder.Services.AddSystemd();
        builder.Logging.ClearProviders().AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(run);
        builder.Services.AddHostedService<TrainerService>();
        // A step of a large model on a CPU can take a while; let it finish and checkpoint.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMinutes(10));
        using var host = builder.Build();
        await host.RunAsync(cancellation);
    }
}
