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
        var config = new Option<string?>("--config") { Description = "JSON config file (examples in src/OnnxMec.Host/configs/)" };
        var resume = new Option<bool>("--resume") { Description = "Continue from the newest checkpoint in the run folder (--run-dir); its config.json is used unless --config is given" };
        var runDir = new Option<string?>("--run-dir") { Description = "Run folder (default: runs/<set>-<time>); a new run needs a new or empty folder" };
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
            if (file is null)
                output.WriteLine("No --config: training with the built-in defaults, listed below.");
            return await Run(ConfigurationSources.Build(file, new Dictionary<string, string?>(), overrides), parse.GetValue(resume), parse.GetValue(json), output, cancel);
        });
        return command;
    }

    /// <summary>
    /// Binds and checks the configuration once (all errors at once), runs the host, prints the
    /// outcome. Exit 0; 3 when a divergence stopped the run; 2 when evaluation, export or the chart
    /// failed after the trained state was checkpointed. A genuine bug is rethrown with its own trace.
    /// </summary>
    public static async Task<int> Run(Microsoft.Extensions.Configuration.IConfiguration configuration, bool resume, bool json, TextWriter output, CancellationToken cancel,
        Action<TrainingOutcome>? summary = null)
    {
        var run = new TrainingRun(ConfigurationSources.Bind(configuration), resume, output);
        await TrainingHost.RunAsync(run, cancel);
        run.Failure?.Throw();
        var outcome = run.Outcome!;
        (summary ?? (o => output.WriteLine(Summary(o))))(outcome);
        if (json)
            CliOutput.Json(output, new TrainJson(outcome.RunDir, outcome.Steps, outcome.TotalSteps, outcome.Seconds,
                outcome.KnnInit?.Result.Top1, outcome.KnnFinal?.Top1, outcome.KnnFinal?.Top5, outcome.KnnLast?.Result.Top1, outcome.KnnLast?.Step,
                outcome.Interrupted, outcome.StopReason, outcome.Failures, outcome.SkippedImages, outcome.Checkpoint, outcome.Encoder));
        return outcome.StopReason is not null ? 3 : outcome.Failures.Count > 0 ? 2 : 0;
    }

    /// <summary>One line on how the run ended, with a kNN accuracy only as measured, and on which weights.</summary>
    public static string Summary(TrainingOutcome o)
    {
        string state = o.StopReason is not null ? "Stopped" : o.Interrupted ? "Interrupted" : "Finished";
        string knn = o.KnnFinal is { } final
            ? string.Create(CultureInfo.InvariantCulture, $"; kNN top-1 {final.Top1:F2} % on the final weights")
            : o.KnnLast is { } last
                ? string.Create(CultureInfo.InvariantCulture, $"; the last kNN measured: top-1 {last.Result.Top1:F2} % at step {last.Step} ({last.Label}), not on the final weights")
                : "";
        return string.Create(CultureInfo.InvariantCulture, $"{state} after {o.Steps:N0} of {o.TotalSteps:N0} steps in {o.Seconds:F0} s{knn}; run folder {o.RunDir}");
    }
}

/// <summary>`train --json` and `quickstart --json`.</summary>
internal sealed record TrainJson(string RunDir, long Steps, long TotalSteps, double Seconds,
    double? KnnTop1Init, double? KnnTop1, double? KnnTop5, double? KnnLastTop1, long? KnnLastStep,
    bool Interrupted, string? StopReason, IReadOnlyList<string> Failures, int SkippedImages, string? Checkpoint, string? Encoder);
