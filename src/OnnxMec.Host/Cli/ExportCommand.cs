using System.CommandLine;
using OnnxMec.Host.Evaluation;
using OnnxMec.Runtime;

namespace OnnxMec.Host.Cli;

/// <summary>`onnxmec export`: a checkpoint's online encoder as a standalone ONNX inference model.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "The checkpoint to export", Required = true };
        var output = new Option<string>("--out") { Description = "The model file to write", Required = true };
        var projector = new Option<bool>("--with-projector") { Description = "Also output the projector's embedding" };
        var fold = new Option<bool>("--fold-bn") { Description = "Fold each BatchNorm into the conv or linear before it" };
        var json = new Option<bool>("--json") { Description = "End with one line of JSON holding the results" };
        var command = new Command("export", "Write a standalone ONNX encoder: input 'images' [N, C, S, S] float32, output 'features' [N, F] (and 'embedding' [N, d])")
        {
            checkpoint, output, projector, fold, json,
        };
        command.SetAction(parse =>
        {
            string from = parse.GetValue(checkpoint)!, to = parse.GetValue(output)!;
            var (config, weights, _) = EvaluationSetup.FromCheckpoint(from);
            EncoderExport.Write(to, config, weights, parse.GetValue(projector), parse.GetValue(fold), from);
            var console = parse.InvocationConfiguration.Output;
            console.WriteLine($"Wrote {to} ({new FileInfo(to).Length / 1024} KiB): input 'images' float32 [N, {config.Channels}, {config.ImageSize}, {config.ImageSize}], " +
                $"output 'features' float32 [N, F]{(parse.GetValue(projector) ? $", 'embedding' float32 [N, {config.EmbeddingDim}]" : "")}{(parse.GetValue(fold) ? "; BatchNorm folded" : "")}");
            if (parse.GetValue(json)) CliOutput.Json(console, new { output = to, bytes = new FileInfo(to).Length, with_projector = parse.GetValue(projector), fold_bn = parse.GetValue(fold) });
            return 0;
        });
        return command;
    }
}
