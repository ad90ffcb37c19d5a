namespace OnnxMec.Data;

/// <summary>
/// A planar float image [C, H, W] with values in [0, 1] (before normalisation). Augmentations
/// read one and write the next; the buffer is reused between samples by its owner.
/// </summary>
public sealed class FloatImage
{
    public FloatImage(int channels, int height, int width)
    {
        Reset(channels, height, width);
    }

    public int Channels { get; private set; }
    public int Height { get; private set; }
    public int Width { get; private set; }
    public float[] Data { get; private set; } = [];

    public int PlaneSize => Height * Width;
    public Span<float> Plane(int c) => Data.AsSpan(c * PlaneSize, PlaneSize);

    /// <summary>Resizes the image (keeping the buffer when it is large enough); contents are undefined.</summary>
    public void Reset(int channels, int height, int width)
    {
        if (channels < 1 || height < 1 || width < 1) throw new ArgumentException($"an image needs a positive size, got {channels}×{height}×{width}");
        Channels = channels;
        Height = height;
        Width = width;
        int size = channels * height * width;
        if (Data.Length < size) Data = new float[size];
    }

    /// <summary>Fills the image from 8-bit planar pixels (CHW), scaling to [0, 1].</summary>
    public void FromPlanarBytes(ReadOnlySpan<byte> pixels, int channels, int height, int width)
    {
        Reset(channels, height, width);
        for (int i = 0; i < channels * height * width; i++) Data[i] = pixels[i] * (1f / 255f);
    }
}
