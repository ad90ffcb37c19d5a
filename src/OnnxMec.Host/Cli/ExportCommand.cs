using System.CommandLine;
using OnnxMec.Host.Evaluation;
using OnnxMec.Runtime;

namespace OnnxMec.Host.Cli;

/// <summary>`onnxmec export`: a checkpoint's online encoder as a standalone ONNX inference model, made from its artifact set's eval graph.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "The checkpoint to export (e.g. runs/NAME/checkpoints/latest.safetensors)", Required = true };
        var artifacts = new Option<string?>("--artifacts") { Description = "The artifact-set folder it was trained with (default: the one its run names)" };
        var output = new Option<string>("--out") { Description = "The model file to write", Required = true };
        var projector = new Option<bool>("--with-projector") { Description = "Also output the projector's embedding" };
        var fold = new Option<bool>("--fold-bn") { Description = "Fold each BatchNorm into the convolution before it (ONNX Runtime's basic optimisations; standard operators only)" };
        var json = new Option<bool>("--json") { Description = "End with one line of JSON holding the results" };
        var command = new Command("export", "Write a standalone ONNX encoder: input 'images' float32 [N, C, S, S], output 'features' [N, F] (and 'embedding' [N, d]), preprocessing in its metadata")
        {
            checkpoint, artifacts, output, projector, fold, json,
        };
        command.SetAction(parse =>
        {
            string from = parse.GetValue(checkpoint)!, to = Contract.AtomicFile.CheckTarget(parse.GetValue(output)!);
            bool withProjector = parse.GetValue(projector);
            var trained = TrainedEncoder.Load(from, parse.GetValue(artifacts));
            var metadata = EncoderMetadata.For(trained.Set, trained.Run, from, withProjector);
            EncoderExport.Write(to, trained.Set, trained.Online, new ExportOptions(withProjector, parse.GetValue(fold), metadata));
            var console = parse.InvocationConfiguration.Output;
            console.WriteLine($"Wrote {to} ({new FileInfo(to).Length / 1024:N0} KiB{(parse.GetValue(fold) ? ", BatchNorm folded" : "")})");
            console.WriteLine($"  input:  {metadata["onnxmec.input"]}");
            console.WriteLine($"  output: {metadata["onnxmec.outputs"]}");
            console.WriteLine($"  preprocessing: {metadata["onnxmec.preprocessing"]}");
            if (metadata.TryGetValue("onnxmec.mean", out var mean)) console.WriteLine($"  mean {mean}, std {metadata["onnxmec.std"]} (also in the model's metadata)");
            if (parse.GetValue(json))
                CliOutput.Json(console, new ExportJson(to, new FileInfo(to).Length, withProjector, parse.GetValue(fold), metadata));
            return 0;
        });
        return command;
    }
}

/// <summary>`export --json`.</summary>
internal sealed record ExportJson(string Output, long Bytes, bool WithProjector, bool FoldBn, Dictionary<string, string> Metadata);
