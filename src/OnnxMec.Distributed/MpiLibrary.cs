using System.Runtime.InteropServices;
using System.Text;

namespace OnnxMec.Distributed;

public enum MpiFlavor
{
    OpenMpi,
    Mpich,
}

/// <summary>
/// The few MPI calls data-parallel training makes, bound at run time to Open MPI (libmpi.so.40) or
/// MPICH (libmpich.so.12), the two engines Debian serves; no -dev package is needed. The two differ
/// in their handle ABI: Open MPI's communicators, datatypes and operations are addresses of
/// exported structs (ompi_mpi_comm_world, …) and MPI_IN_PLACE is 1; MPICH's are 32-bit constants
/// from its mpi.h and MPI_IN_PLACE is −1. Each call that takes a handle goes through a function
/// pointer of the width the loaded engine uses. One thread at a time calls MPI (SERIALIZED).
/// </summary>
internal sealed unsafe class MpiLibrary
{
    private const int ThreadSerialized = 2;

    private readonly nint _library;
    private readonly nint _world, _float, _int64, _byte, _sum, _max;
    private readonly void* _inPlace;
    private readonly nint _init, _finalize, _rank, _size, _allreduce, _allgather, _bcast, _abort;

    private MpiLibrary(string name, nint library)
    {
        Name = name;
        _library = library;
        nint Export(string symbol) => NativeLibrary.GetExport(library, symbol);
        if (NativeLibrary.TryGetExport(library, "ompi_mpi_comm_world", out _world))
        {
            Flavor = MpiFlavor.OpenMpi;
            (_float, _int64, _byte) = (Export("ompi_mpi_float"), Export("ompi_mpi_int64_t"), Export("ompi_mpi_byte"));
            (_sum, _max) = (Export("ompi_mpi_op_sum"), Export("ompi_mpi_op_max"));
            _inPlace = (void*)1;
        }
        else
        {
            // mpich/mpi.h 4.0: MPI_COMM_WORLD, MPI_FLOAT, MPI_INT64_T, MPI_BYTE, MPI_SUM, MPI_MAX.
            Flavor = MpiFlavor.Mpich;
            (_world, _float, _int64, _byte) = (0x44000000, 0x4c00040a, 0x4c00083a, 0x4c00010d);
            (_sum, _max) = (0x58000003, 0x58000001);
            _inPlace = (void*)-1;
        }
        (_init, _finalize, _rank, _size) = (Export("MPI_Init_thread"), Export("MPI_Finalize"), Export("MPI_Comm_rank"), Export("MPI_Comm_size"));
        (_allreduce, _allgather, _bcast, _abort) = (Export("MPI_Allreduce"), Export("MPI_Allgather"), Export("MPI_Bcast"), Export("MPI_Abort"));
    }

    public string Name { get; }
    public MpiFlavor Flavor { get; }
    private bool OpenMpi => Flavor == MpiFlavor.OpenMpi;

    /// <summary>Loads the first candidate library that exists; the message of a failure says what to install.</summary>
    public static MpiLibrary Load(IReadOnlyList<string> candidates)
    {
        // UCX (which Debian's MPICH and an InfiniBand Open MPI load) installs its own SIGSEGV handler
        // and so turns .NET's NullReferenceException into a crash; keep it out of signals unless the
        // user chose otherwise. It must reach the native environment before the library loads.
        SetNativeEnvironmentIfUnset("UCX_ERROR_SIGNALS", "");
        foreach (var name in candidates)
            if (NativeLibrary.TryLoad(name, out var library)) return new MpiLibrary(name, library);
        throw new DllNotFoundException($"no MPI library could be loaded ({string.Join(", ", candidates)}): install Open MPI (apt-get install openmpi-bin) or MPICH (apt-get install mpich)");
    }

    public (int Rank, int Size) Initialize()
    {
        int provided, rank, size;
        Check(((delegate* unmanaged<int*, byte***, int, int*, int>)_init)(null, null, ThreadSerialized, &provided), "MPI_Init_thread");
        if (provided < ThreadSerialized) throw new InvalidOperationException($"{Name} provides thread level {provided}; this program needs MPI_THREAD_SERIALIZED ({ThreadSerialized})");
        Check(OpenMpi ? ((delegate* unmanaged<nint, int*, int>)_rank)(_world, &rank) : ((delegate* unmanaged<int, int*, int>)_rank)((int)_world, &rank), "MPI_Comm_rank");
        Check(OpenMpi ? ((delegate* unmanaged<nint, int*, int>)_size)(_world, &size) : ((delegate* unmanaged<int, int*, int>)_size)((int)_world, &size), "MPI_Comm_size");
        return (rank, size);
    }

    public void Shutdown() => Check(((delegate* unmanaged<int>)_finalize)(), "MPI_Finalize");

    /// <summary>Ends every process of the job with the code (the only safe exit from an error: MPI_Finalize would wait for the others).</summary>
    public void Abort(int code)
    {
        if (OpenMpi) ((delegate* unmanaged<nint, int, int>)_abort)(_world, code);
        else ((delegate* unmanaged<int, int, int>)_abort)((int)_world, code);
    }

    public void AllReduceSum(Span<float> values)
    {
        fixed (float* p = values) AllReduce(p, values.Length, _float, _sum);
    }

    public long AllReduceMax(long value)
    {
        AllReduce(&value, 1, _int64, _max);
        return value;
    }

    public void AllGather(ReadOnlySpan<float> local, Span<float> global)
    {
        fixed (float* s = local) fixed (float* r = global) AllGather(s, local.Length, r, _float);
    }

    public void AllGather(ReadOnlySpan<long> local, Span<long> global)
    {
        fixed (long* s = local) fixed (long* r = global) AllGather(s, local.Length, r, _int64);
    }

    public void Broadcast(Span<byte> data, int root)
    {
        fixed (byte* p = data) Check(OpenMpi
            ? ((delegate* unmanaged<void*, int, nint, int, nint, int>)_bcast)(p, data.Length, _byte, root, _world)
            : ((delegate* unmanaged<void*, int, int, int, int, int>)_bcast)(p, data.Length, (int)_byte, root, (int)_world), "MPI_Bcast");
    }

    private void AllReduce(void* buffer, int count, nint type, nint op) => Check(OpenMpi
        ? ((delegate* unmanaged<void*, void*, int, nint, nint, nint, int>)_allreduce)(_inPlace, buffer, count, type, op, _world)
        : ((delegate* unmanaged<void*, void*, int, int, int, int, int>)_allreduce)(_inPlace, buffer, count, (int)type, (int)op, (int)_world), "MPI_Allreduce");

    private void AllGather(void* send, int count, void* receive, nint type) => Check(OpenMpi
        ? ((delegate* unmanaged<void*, int, nint, void*, int, nint, nint, int>)_allgather)(send, count, type, receive, count, type, _world)
        : ((delegate* unmanaged<void*, int, int, void*, int, int, int, int>)_allgather)(send, count, (int)type, receive, count, (int)type, (int)_world), "MPI_Allgather");

    /// <summary>MPI's default error handler ends the job on a failed call; a non-zero code that comes back anyway is an error naming the call.</summary>
    private void Check(int code, string call)
    {
        if (code != 0) throw new InvalidOperationException($"{call} failed with MPI error {code} ({Name})");
    }

    /// <summary>libc's setenv, found in the process's global symbols (Environment.SetEnvironmentVariable does not reach the native environment).</summary>
    private static void SetNativeEnvironmentIfUnset(string name, string value)
    {
        if (!NativeLibrary.TryGetExport(NativeLibrary.GetMainProgramHandle(), "setenv", out var setenv)) return;
        fixed (byte* n = Encoding.UTF8.GetBytes(name + "\0")) fixed (byte* v = Encoding.UTF8.GetBytes(value + "\0"))
            ((delegate* unmanaged<byte*, byte*, int, int>)setenv)(n, v, 0);
    }
}
