using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OnnxMec.Host.Configuration;

namespace OnnxMec.Host.Training;

/// <summary>Runs a training run in the .NET generic host (systemd-aware), options bound and validated at start.</summary>
internal static class TrainingHost
{
    public static async Task<TrainingRunResult> RunAsync(IConfiguration configuration, bool resume, TextWriter output, CancellationToken cancellation)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, Args = [] });
        builder.Services.AddSystemd();
        builder.Logging.ClearProviders().AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddOptions<TrainingOptions>().Bind(configuration).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<TrainingOptions>, TrainingOptionsValidator>();
        builder.Services.AddSingleton(new TrainingRunRequest(resume, output));
        builder.Services.AddHostedService<TrainerService>();
        // A step of a large model on a CPU can take a while; let it finish and checkpoint.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMinutes(10));
        var result = new TrainingRunResult();
        builder.Services.AddSingleton(result);
        using var host = builder.Build();
        await host.RunAsync(cancellation);
        return result;
    }
}
