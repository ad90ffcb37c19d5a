using OnnxMec.Host.Cli;

namespace OnnxMec.Host.Tests;

/// <summary>Runs the onnxmec command line in-process and captures what it prints.</summary>
internal static class CliRunner
{
    public static (int Exit, string Output) Run(params string[] args)
    {
        var output = new StringWriter();
        int exit = OnnxMecCommandLine.Invoke(args, output, output);
        return (exit, output.ToString());
    }

    public static string LastLine(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
}
