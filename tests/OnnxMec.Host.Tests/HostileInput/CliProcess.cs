using System.Diagnostics;

namespace OnnxMec.Host.Tests.HostileInput;

/// <summary>
/// The CLI in a process of its own under a file-size limit (RLIMIT_FSIZE, bash's ulimit -f): the
/// kernel refuses every write past it, as a full disk refuses writes, without mounting anything
/// or needing privileges. SIGXFSZ is ignored so the write fails with an error instead of killing the
/// process, and .NET's W^X double mapping (a memory file sized past the limit) is turned off.
/// </summary>
internal static class CliProcess
{
    public static (int Exit, string Output) RunWithFileSizeLimit(int kibibytes, params string[] args)
    {
        string dll = typeof(Cli.OnnxMecCommandLine).Assembly.Location, bin = Path.GetDirectoryName(dll)!;
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.Environment["DOTNET_EnableWriteXorExecute"] = "0";
        foreach (var a in new[] { "-c", $"trap '' XFSZ; ulimit -f {kibibytes}; exec \"$@\"", "bash", "dotnet", "exec",
                     "--runtimeconfig", Path.Combine(bin, "OnnxMec.Host.Tests.runtimeconfig.json"), "--depsfile", Path.Combine(bin, "OnnxMec.Host.Tests.deps.json"), dll })
            start.ArgumentList.Add(a);
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout + stderr.Result);
    }
}
