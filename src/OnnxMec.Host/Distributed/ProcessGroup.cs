using OnnxMec.Runtime;

namespace OnnxMec.Host.Distributed;

/// <summary>
/// The group of processes this run belongs to: MPI's world when mpirun started the program, else
/// the group of one. Rank 0 is the one that prints, writes the run folder and evaluates. Held per
/// async flow, so a test can run the members of an in-process group side by side.
/// </summary>
internal static class ProcessGroup
{
    private static readonly AsyncLocal<ICommunicator?> Flow = new();

    public static ICommunicator Current
    {
        get => Flow.Value ?? SingleProcess.Instance;
        set => Flow.Value = value;
    }

    public static bool IsWriter => Current.Rank == 0;

    /// <summary>Processes of the job on this machine (they share its cores).</summary>
    public static int LocalSize => Current.Size == 1 ? 1 : OnnxMec.Distributed.MpiLaunch.LocalSize;
}
