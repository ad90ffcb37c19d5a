using OnnxMec.Runtime;

namespace OnnxMec.Distributed;

/// <summary>
/// The process group of an MPI job (MPI_COMM_WORLD). Rank and size come from MPI; a launcher and a
/// library from different MPIs (every process would see a world of one: N separate trainings) are
/// refused. Collective calls are large-count safe by chunking below 2^31 elements.
/// </summary>
public sealed class MpiCommunicator : ICommunicator
{
    private const int MaxCount = int.MaxValue / 2;
    private readonly MpiLibrary _mpi;
    private bool _finalized;

    private MpiCommunicator(MpiLibrary mpi, int rank, int size)
    {
        _mpi = mpi;
        Rank = rank;
        Size = size;
    }

    public int Rank { get; }
    public int Size { get; }
    public string Library => _mpi.Name;
    public MpiFlavor Flavor => _mpi.Flavor;

    /// <summary>Initialises MPI for a process mpirun started.</summary>
    public static MpiCommunicator Initialize()
    {
        var mpi = MpiLibrary.Load(MpiLaunch.LibraryCandidates());
        var (rank, size) = mpi.Initialize();
        var group = new MpiCommunicator(mpi, rank, size);
        if (MpiLaunch.WorldSize is { } announced && announced != size)
        {
            Console.Error.WriteLine($"error: mpirun started {announced} processes, but {mpi.Name} sees a job of {size}: the launcher and the library belong to different MPIs (use mpirun.openmpi with Open MPI, mpirun.mpich with MPICH, or set ONNXMEC_MPI_LIBRARY)");
            mpi.Abort(2);
        }
        return group;
    }

    public void AllGather(ReadOnlySpan<float> local, Span<float> global)
    {
        if (global.Length != checked(local.Length * Size)) throw new ArgumentException($"all-gather of {local.Length} values from {Size} processes needs {local.Length * Size} places, got {global.Length}");
        if (local.Length > MaxCount) throw new ArgumentException($"all-gather of {local.Length} values is over MPI's count limit");
        _mpi.AllGather(local, global);
    }

    public long[] AllGather(long value)
    {
        var all = new long[Size];
        _mpi.AllGather([value], all);
        return all;
    }

    public void AllReduceSum(Span<float> values)
    {
        for (int start = 0; start < values.Length; start += MaxCount)
            _mpi.AllReduceSum(values.Slice(start, Math.Min(MaxCount, values.Length - start)));
    }

    public bool Any(bool flag) => _mpi.AllReduceMax(flag ? 1 : 0) != 0;

    public void Broadcast(Span<byte> data, int root = 0)
    {
        for (int start = 0; start < data.Length; start += MaxCount)
            _mpi.Broadcast(data.Slice(start, Math.Min(MaxCount, data.Length - start)), root);
    }

    /// <summary>The clean end of a job every process reached.</summary>
    public void Finish()
    {
        if (_finalized) return;
        _finalized = true;
        _mpi.Shutdown();
    }

    /// <summary>Ends the whole job with the code: after an error, or when the processes do not end alike.</summary>
    public void Abort(int code)
    {
        Console.Out.Flush();
        Console.Error.Flush();
        _mpi.Abort(code);
        Environment.Exit(code);
    }
}
