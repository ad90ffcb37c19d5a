using System.Globalization;

namespace OnnxMec.Distributed;

/// <summary>
/// What the MPI launcher (Open MPI's or MPICH's mpirun) tells a process through its environment,
/// read before MPI is initialised: whether this process is part of a job, and how many of its
/// processes share this machine (to divide the cores between them).
/// </summary>
public static class MpiLaunch
{
    /// <summary>The job's size as the launcher announced it, or null when not started by mpirun.</summary>
    public static int? WorldSize => Number("OMPI_COMM_WORLD_SIZE", "PMI_SIZE");

    public static int LocalSize => Number("OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS") ?? 1;

    public static bool IsLaunched => WorldSize is not null;

    /// <summary>The library to load: ONNXMEC_MPI_LIBRARY where set, else the one of the launcher that started us, else the first that loads.</summary>
    public static string[] LibraryCandidates()
    {
        if (Environment.GetEnvironmentVariable("ONNXMEC_MPI_LIBRARY") is { Length: > 0 } chosen) return [chosen];
        if (Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is not null) return [OpenMpiLibrary];
        if (Environment.GetEnvironmentVariable("PMI_SIZE") is not null) return [MpichLibrary];
        return [OpenMpiLibrary, MpichLibrary];
    }

    public const string OpenMpiLibrary = "libmpi.so.40";
    public const string MpichLibrary = "libmpich.so.12";

    private static int? Number(string openMpi, string mpich) =>
        int.TryParse(Environment.GetEnvironmentVariable(openMpi) ?? Environment.GetEnvironmentVariable(mpich), NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : null;
}
