using System.CommandLine;

namespace OnnxMec.Host.Cli;

/// <summary>The `onnxmec` command tree.</summary>
internal static class OnnxMecCommandLine
{
    public static RootCommand Create() => new("OnnxMec: self-supervised pre-training with Maximum Entropy Coding on ONNX Runtime")
    {
        QuickstartCommand.Create(),
        ArtifactsCommand.Create(),
        BenchCommand.Create(),
    };
}
