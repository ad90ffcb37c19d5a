using System.CommandLine;

namespace OnnxMec.Host.Cli;

/// <summary>The `onnxmec` command tree.</summary>
internal static class OnnxMecCommandLine
{
    public static RootCommand Create() => new("OnnxMec: self-supervised pre-training with Maximum Entropy Coding on ONNX Runtime")
    {
        QuickstartCommand.Create(),
        TrainCommand.Create(),
        EvalCommand.Create(),
        ExportCommand.Create(),
        ArtifactsCommand.Create(),
        BenchCommand.Create(),
    };

    /// <summary>
    /// Runs a command line. Errors the user can fix (bad files, configs, options) print one clear
    /// message and exit 2, without a stack trace. Ctrl+C and SIGTERM are left to the generic host,
    /// which lets a training step finish and checkpoint.
    /// </summary>
    public static int Invoke(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        var configuration = new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false };
        if (output is not null) configuration.Output = output;
        if (error is not null) configuration.Error = error;
        try
        {
            return Create().Parse(args).Invoke(configuration);
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or FileNotFoundException or Configuration.OptionsInvalidException or Runtime.DeviceUnavailableException
            or Microsoft.Extensions.Options.OptionsValidationException or Evaluation.NonFiniteFeaturesException)
        {
            configuration.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
    }
}
