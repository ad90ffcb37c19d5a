using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using OnnxMec.Host.Quickstart;

namespace OnnxMec.Host.Cli;

/// <summary>`onnxmec quickstart`: trains a small CNN with autodiff-built ONNX graphs and shows the loss fall.</summary>
internal static class QuickstartCommand
{
    public static Command Create()
    {
        var steps = new Option<int>("--steps") { Description = "Training steps to run", DefaultValueFactory = _ => 30 };
        var lr = new Option<float>("--lr") { Description = "SGD learning rate", DefaultValueFactory = _ => 0.2f };
        var seed = new Option<int>("--seed") { Description = "Seed for data and initial weights", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads (0: one per core)", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "End with one line of JSON holding the results" };
        var command = new Command("quickstart", "Train a small CNN through ONNX Runtime with our own autodiff graphs and print the falling loss")
        {
            steps, lr, seed, threads, json,
        };
        steps.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError("--steps must be at least 1"); });
        lr.Validators.Add(r => { if (!(r.GetValueOrDefault<float>() > 0)) r.AddError("--lr must be positive"); });
        command.SetAction(parse =>
        {
            var options = new QuickstartOptions(parse.GetValue(steps), parse.GetValue(lr), parse.GetValue(seed), parse.GetValue(threads));
            var output = parse.InvocationConfiguration.Output;
            output.WriteLine($"Training a {TinyClassifierSummary} on a fixed synthetic batch for {options.Steps} steps (lr {options.LearningRate}).");
            var result = AutodiffQuickstart.Run(options, (step, loss) =>
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"step {step,4}  loss {loss:F4}")));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Loss fell from {result.FirstLoss:F4} to {result.LastLoss:F4} in {result.Seconds:F1} s."));
            if (parse.GetValue(json))
                output.WriteLine(JsonSerializer.Serialize(new { loss_first = result.FirstLoss, loss_last = result.LastLoss, steps = options.Steps, seconds = result.Seconds }));
            return result.LastLoss < result.FirstLoss ? 0 : 1;
        });
        return command;
    }

    private const string TinyClassifierSummary = "small CNN (conv-BN-ReLU-maxpool, residual block, linear, cross-entropy)";
}
