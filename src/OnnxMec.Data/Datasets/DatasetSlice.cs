namespace OnnxMec.Data;

/// <summary>An index range of another dataset (the embedded split's training and query parts, a capped bank).</summary>
public sealed class DatasetSlice(IImageDataset inner, int start, int count, string name) : IImageDataset
{
    public string Name { get; } = name;
    public int Count { get; } = count;
    public int Channels => inner.Channels;
    public int ClassCount => inner.ClassCount;
    public int Label(int index) => inner.Label(start + index);
    public void Read(int index, FloatImage into) => inner.Read(start + index, into);
}
