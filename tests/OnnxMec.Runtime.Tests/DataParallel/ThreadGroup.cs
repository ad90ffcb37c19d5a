namespace OnnxMec.Runtime.Tests.DataParallel;

/// <summary>
/// A group of "processes" that are threads of the test: the collective operations MPI provides,
/// done through shared arrays and a barrier, with sums taken in rank order (as MPI's two- and
/// three-process all-reduce adds them). The single-process reference of data-parallel training.
/// </summary>
internal sealed class ThreadGroup
{
    private readonly Barrier _barrier;
    private readonly object?[] _slots;

    public ThreadGroup(int size)
    {
        _barrier = new Barrier(size);
        _slots = new object?[size];
        Members = Enumerable.Range(0, size).Select(r => new Member(this, r)).ToArray();
    }

    public IReadOnlyList<ICommunicator> Members { get; }

    /// <summary>Runs <paramref name="work"/> once per member, each on its own thread, and returns their results in rank order.</summary>
    public T[] Run<T>(Func<ICommunicator, T> work)
    {
        var results = new T[Members.Count];
        var threads = Members.Select((m, r) => new Thread(() => results[r] = work(m))).ToList();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        return results;
    }

    private sealed class Member(ThreadGroup group, int rank) : ICommunicator
    {
        public int Rank => rank;
        public int Size => group._slots.Length;

        private T[] Exchange<T>(T mine)
        {
            group._slots[rank] = mine;
            group._barrier.SignalAndWait();
            var all = group._slots.Select(s => (T)s!).ToArray();
            group._barrier.SignalAndWait();
            return all;
        }

        public void AllGather(ReadOnlySpan<float> local, Span<float> global)
        {
            var all = Exchange(local.ToArray());
            for (int r = 0; r < all.Length; r++) all[r].CopyTo(global[(r * local.Length)..]);
        }

        public long[] AllGather(long value) => Exchange(value);

        public void AllReduceSum(Span<float> values)
        {
            var all = Exchange(values.ToArray());
            for (int i = 0; i < values.Length; i++)
            {
                float sum = all[0][i];
                for (int r = 1; r < all.Length; r++) sum += all[r][i];
                values[i] = sum;
            }
        }

        public bool Any(bool flag) => Exchange(flag).Any(f => f);

        public void Broadcast(Span<byte> data, int root = 0) => Exchange(data.ToArray())[root].CopyTo(data);
    }
}
