namespace OnnxMec.Runtime;

/// <summary>
/// The collective operations data-parallel training needs, over a fixed group of processes (MPI's
/// world). Every process calls each operation in the same order; every call returns on every
/// process with the same result. Implementations: <see cref="SingleProcess"/>, and MPI's.
/// </summary>
public interface ICommunicator
{
    /// <summary>This process's place in the group, from 0.</summary>
    int Rank { get; }

    int Size { get; }

    /// <summary>Every process's <paramref name="local"/> concatenated in rank order into <paramref name="global"/> (Size × local.Length values).</summary>
    void AllGather(ReadOnlySpan<float> local, Span<float> global);

    /// <summary>One value from each process, in rank order.</summary>
    long[] AllGather(long value);

    /// <summary>The element-wise sum over every process, in place.</summary>
    void AllReduceSum(Span<float> values);

    /// <summary>Whether any process passed true (a stop request must end every process at the same step).</summary>
    bool Any(bool flag);

    /// <summary>Overwrites <paramref name="data"/> on every process with the root's.</summary>
    void Broadcast(Span<byte> data, int root = 0);
}

/// <summary>The group of one: training in a single process.</summary>
public sealed class SingleProcess : ICommunicator
{
    public static SingleProcess Instance { get; } = new();

    public int Rank => 0;
    public int Size => 1;
    public void AllGather(ReadOnlySpan<float> local, Span<float> global) => local.CopyTo(global);
    public long[] AllGather(long value) => [value];
    public void AllReduceSum(Span<float> values) { }
    public bool Any(bool flag) => flag;
    public void Broadcast(Span<byte> data, int root = 0) { }
}

public static class CommunicatorExtensions
{
    /// <summary>Rank 0's text on every process (a config file only rank 0's machine holds).</summary>
    public static string Broadcast(this ICommunicator group, string? text)
    {
        if (group.Size == 1) return text ?? "";
        var bytes = System.Text.Encoding.UTF8.GetBytes(text ?? "");
        var length = BitConverter.GetBytes((long)bytes.Length);
        group.Broadcast(length);
        var buffer = group.Rank == 0 ? bytes : new byte[BitConverter.ToInt64(length)];
        group.Broadcast(buffer);
        return System.Text.Encoding.UTF8.GetString(buffer);
    }
}
