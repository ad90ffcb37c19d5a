using System.Diagnostics;

namespace OnnxMec.Host.Tests.Distributed;

/// <summary>Open MPI for the data-parallel tests: mpirun from Debian's openmpi-bin, installed here when missing (the README's set-up does the same).</summary>
internal static class Mpi
{
    private static readonly Lazy<string> Launcher = new(Find);

    public static string Mpirun => Launcher.Value;

    private static string Find()
    {
        const string mpirun = "/usr/bin/mpirun.openmpi";
        if (File.Exists(mpirun)) return mpirun;
        if (Environment.UserName == "root")
        {
            foreach (var args in new[] { "update -qq", "install -y -qq --no-install-recommends openmpi-bin" })
                using (var apt = Process.Start(new ProcessStartInfo("apt-get", args) { RedirectStandardOutput = true, RedirectStandardError = true })!)
                {
                    apt.StandardOutput.ReadToEnd();
                    apt.WaitForExit();
                }
            if (File.Exists(mpirun)) return mpirun;
        }
        Assert.Fail($"the data-parallel tests need Open MPI's mpirun ({mpirun}): apt-get install openmpi-bin");
        return "";
    }

    /// <summary>Starts `mpirun -np N onnxmec ARGS` on this machine, every process with the test host's runtime.</summary>
    public static Process Start(int processes, params string[] args)
    {
        string dll = typeof(Cli.OnnxMecCommandLine).Assembly.Location;
        string bin = Path.GetDirectoryName(dll)!;
        var start = new ProcessStartInfo(Mpirun) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.Environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1";
        start.Environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1";
        foreach (var a in new[] { "--bind-to", "none", "--oversubscribe", "-x", "TERM=dumb", "-np", processes.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "dotnet", "exec", "--runtimeconfig", Path.Combine(bin, "OnnxMec.Host.Tests.runtimeconfig.json"), "--depsfile", Path.Combine(bin, "OnnxMec.Host.Tests.deps.json"), dll })
            start.ArgumentList.Add(a);
        foreach (var a in args) start.ArgumentList.Add(a);
        return Process.Start(start)!;
    }

    /// <summary>Runs mpirun to the end: its exit code and everything it printed.</summary>
    public static (int Exit, string Output) Run(int processes, params string[] args)
    {
        using var process = Start(processes, args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5))) { process.Kill(entireProcessTree: true); Assert.Fail("mpirun did not end within 5 minutes"); }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>The PID of the process of a given rank among mpirun's children (read from its environment).</summary>
    public static int? RankProcess(string runDir, int rank)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            try
            {
                if (!File.ReadAllText(Path.Combine(dir, "cmdline")).Contains(runDir, StringComparison.Ordinal)) continue;
                var environ = File.ReadAllText(Path.Combine(dir, "environ")).Split('\0');
                if (environ.Contains($"OMPI_COMM_WORLD_RANK={rank}")) return pid;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return null;
    }
}
