using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using OnnxMec.Host.Configuration;

namespace OnnxMec.Host.Cli;

/// <summary>
/// `onnxmec quickstart`: a short real MEC pre-training run on the embedded Fashion-MNIST split with
/// the resnet18-mini set (configs/quickstart.json), printing the kNN accuracy of the random-init and
/// of the trained encoder, and leaving a run folder with encoder.onnx.
/// </summary>
internal static class QuickstartCommand
{
    public static Command Create()
    {
        var epochs = new Option<int?>("--epochs") { Description = $"Epochs over the 8,000 training images (default {new ConfigurationBuilder().AddJsonStream(QuickstartConfig()).Build()["Epochs"]}; the first is the learning-rate warm-up, so fewer than 3 rarely gain)" };
        var threads = new Option<int?>("--threads") { Description = "ONNX Runtime intra-op threads (0: one per core)" };
        var runDir = new Option<string?>("--run-dir") { Description = "Run folder (default: runs/quickstart-<time>)" };
        var set = new Option<string[]>("--set") { Description = "Override any setting: KEY=VALUE", AllowMultipleArgumentsPerToken = true };
        var device = new Option<string?>("--device") { Description = "cpu (default), cuda (needs the GPU build: -p:OrtFlavor=Gpu), or auto (CUDA where it loads, else the CPU with a warning)" };
        var json = new Option<bool>("--json") { Description = "End with one line of JSON: knn_top1_init, knn_top1, seconds, run_dir, …" };
        var command = new Command("quickstart", "Pre-train a small ResNet with MEC on the bundled Fashion-MNIST images and compare its kNN accuracy before and after")
        {
            epochs, threads, runDir, set, device, json,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var overrides = CliOutput.Settings(parse.GetValue(set) ?? []);
            if (parse.GetValue(device) is { } d) overrides["Device"] = d;
            if (parse.GetValue(epochs) is { } e) overrides["Epochs"] = e.ToString(CultureInfo.InvariantCulture);
            if (parse.GetValue(threads) is { } t) overrides["Threads"] = t.ToString(CultureInfo.InvariantCulture);
            overrides["RunDir"] = parse.GetValue(runDir) ?? Path.Combine("runs", $"quickstart-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
            var configuration = new ConfigurationBuilder().AddJsonStream(QuickstartConfig())
                .AddEnvironmentVariables(ConfigurationSources.EnvironmentPrefix).AddInMemoryCollection(overrides).Build();
            return await TrainCommand.Run(configuration, resume: false, parse.GetValue(json), output, cancel, outcome =>
            {
                if (outcome.KnnInit is { } before && outcome.KnnFinal is { } after)
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"kNN top-1 on 2,000 held-out images: random init {before.Result.Top1:F2} % → trained {after.Top1:F2} % ({after.Top1 - before.Result.Top1:+0.00;-0.00} points) in {outcome.Seconds:F0} s"));
                else output.WriteLine(TrainCommand.Summary(outcome));
                if (int.TryParse(configuration["Epochs"], NumberStyles.Integer, CultureInfo.InvariantCulture, out int runEpochs) && runEpochs < 3)
                    output.WriteLine("Note: this run was shorter than three epochs; the first epoch is the learning-rate warm-up, and the gain over random init shows from about three epochs on.");
                output.WriteLine($"Run folder: {outcome.RunDir} (encoder.onnx, metrics.jsonl, training.png, config.json, checkpoints/latest.safetensors)");
            });
        });
        return command;
    }

    /// <summary>The quickstart's settings (configs/quickstart.json, embedded in the program).</summary>
    public static Stream Config() => QuickstartConfig();

    private static Stream QuickstartConfig() =>
        typeof(QuickstartCommand).Assembly.GetManifestResourceStream("quickstart.json") ?? throw new InvalidOperationException("the quickstart config is missing from the build");
}
