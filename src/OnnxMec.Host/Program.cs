using OnnxMec.Distributed;
using OnnxMec.Host.Cli;
using OnnxMec.Host.Distributed;

if (!MpiLaunch.IsLaunched) return OnnxMecCommandLine.Invoke(args);

// Started by mpirun: one process of a data-parallel job. Only rank 0 prints; every process ends
// the same way, by MPI_Finalize after success, or by MPI_Abort (which ends all of them) after
// anything else, since MPI_Finalize would wait forever for a process that is gone.
var group = MpiCommunicator.Initialize();
ProcessGroup.Current = group;
if (group.Size > 1 && args.FirstOrDefault() is not ("train" or "quickstart" or "bench"))
{
    if (group.Rank == 0) Console.Error.WriteLine($"error: '{string.Join(' ', args.Take(2))}' runs as one process; only train, quickstart and bench step run as several (mpirun -np N)");
    group.Abort(2);
}
AppDomain.CurrentDomain.UnhandledException += (_, e) =>
{
    Console.Error.WriteLine($"rank {group.Rank}: {e.ExceptionObject}");
    group.Abort(70);
};
var output = group.Rank == 0 ? Console.Out : TextWriter.Null;
var error = group.Rank == 0 ? Console.Error : new RankPrefixedWriter(Console.Error, group.Rank);
int code = OnnxMecCommandLine.Invoke(args, output, error);
if (code != 0) group.Abort(code);
group.Finish();
return 0;
