namespace OnnxMec.Data;

/// <summary>
/// One batch of two views, [N, C, S, S] each, in pinned buffers that ONNX Runtime can wrap without
/// copying. Disposing returns the buffers to the loader's pool.
/// </summary>
public sealed class TwoViewBatch : IDisposable
{
    private readonly Action<TwoViewBatch> _return;

    internal TwoViewBatch(int capacity, int perView1, int perView2, Action<TwoViewBatch> returnToPool)
    {
        View1 = GC.AllocateArray<float>(capacity * perView1, pinned: true);
        View2 = GC.AllocateArray<float>(capacity * perView2, pinned: true);
        Indices = new int[capacity];
        Labels = new int[capacity];
        _return = returnToPool;
    }

    public float[] View1 { get; }
    public float[] View2 { get; }

    /// <summary>Dataset index of each sample (after any substitution of a skipped bad image).</summary>
    public int[] Indices { get; }
    public int[] Labels { get; }
    public int Count { get; internal set; }
    public int Epoch { get; internal set; }

    /// <summary>Position of the batch in its epoch, from 0.</summary>
    public int BatchIndex { get; internal set; }

    public void Dispose() => _return(this);
}
