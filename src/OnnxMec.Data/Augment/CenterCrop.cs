namespace OnnxMec.Data;

/// <summary>
/// The evaluation view: resize the shorter side to <paramref name="resize"/>, then take the centred
/// size × size crop (torchvision's Resize(256) + CenterCrop(224)); equal sizes make it a copy.
/// </summary>
public sealed class CenterCrop(int size, int resize) : IAugmentation
{
    public int Size { get; } = size;

    public FloatImage Apply(FloatImage image, FloatImage spare, ref SampleRandom rng)
    {
        double scale = (double)resize / Math.Min(image.Height, image.Width);
        int h = Math.Min(image.Height, (int)Math.Round(Size / scale)), w = Math.Min(image.Width, (int)Math.Round(Size / scale));
        Resampling.CropResize(image, (image.Height - h) / 2, (image.Width - w) / 2, h, w, spare, Size);
        return spare;
    }
}
