using System.CommandLine;
using System.Globalization;
using OnnxMec.Host.Configuration;
using OnnxMec.Host.Training;

namespace OnnxMec.Host.Cli;

/// <summary>`onnxmec train`: a pre-training run as a hosted service; `--resume` continues the newest checkpoint of its run folder.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config") { Description = "JSON config file (see src/OnnxMec.Host/configs/)" };
        var resume = new Option<bool>("--resume") { Description = "Continue from the newest checkpoint in the run folder (--run-dir); its config.json is used unless --config is given" };
        var runDir = new Option<string?>("--run-dir") { Description = "Run folder (default: runs/<set>-<time>)" };
        var set = new Option<string[]>("--set") { Description = "Override a setting: KEY=VALUE, e.g. --set Lr=0.3 --set Data:Source=idx", AllowMultipleArgumentsPerToken = true };
        var device = new Option<string?>("--device") { Description = "cpu (default), cuda (needs the GPU build: -p:OrtFlavor=Gpu), or auto (CUDA where it loads, else the CPU with a warning)" };
        var json = new Option<bool>("--json") { Description = "End with one line of JSON holding the results" };
        var command = new Command("train", "Pre-train an encoder with MEC (Ctrl+C or SIGTERM: finish the step, checkpoint, exit 0)") { config, resume, runDir, set, device, json };
        command.SetAction(async (parse, cancel) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var overrides = CliOutput.Settings(parse.GetValue(set) ?? []);
            if (parse.GetValue(device) is { } d) overrides["Device"] = d;
            string? dir = parse.GetValue(runDir);
            if (dir is not null) overrides["RunDir"] = dir;
            string? file = parse.GetValue(config);
            if (parse.GetValue(resume))
            {
                if (dir is null) throw new ArgumentException("--resume needs the run folder: --run-dir DIR");
                file ??= Path.Combine(RepositoryPaths.Resolve(dir), "config.json");
            }
            return await Run(ConfigurationSources.Build(file, new Dictionary<string, string?>(), overrides), parse.GetValue(resume), parse.GetValue(json), output, cancel);
        });
        return command;
    }

    /// <summary>Validates the configuration (all errors at once), runs the host, prints the outcome; exit 0, or 3 when a divergence stopped the run.</summary>
    public static async Task<int> Run(Microsoft.Extensions.Configuration.IConfiguration configuration, bool resume, bool json, TextWriter output, CancellationToken cancel,
        Action<TrainingOutcome>? summary = null)
    {
        ConfigurationSources.Bind(configuration);
        var result = await TrainingHost.RunAsync(configuration, resume, output, cancel);
        if (result.Error is not null) throw result.Error;
        var outcome = result.Outcome!;
        if (summary is not null) summary(outcome);
        else
        {
            string state = outcome.Interrupted ? "Interrupted" : outcome.StopReason is null ? "Finished" : "Stopped";
            string knn = outcome.KnnFinal is { } k ? string.Create(CultureInfo.InvariantCulture, $"; kNN top-1 {k.Top1:F2} %") : "";
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{state} after {outcome.Steps} steps in {outcome.Seconds:F0} s{knn}; run folder {outcome.RunDir}"));
        }
        if (json)
            CliOutput.Json(output, new
            {
                run_dir = outcome.RunDir, steps = outcome.Steps, seconds = outcome.Seconds, knn_top1_init = outcome.KnnInit?.Top1, knn_top1 = outcome.KnnFinal?.Top1,
                knn_top5 = outcome.KnnFinal?.Top5, interrupted = outcome.Interrupted, stop_reason = outcome.StopReason, skipped_images = outcome.SkippedImages, encoder = outcome.Encoder,
            });
        return outcome.StopReason is null ? 0 : 3;
    }
}
