using OnnxMec.Contract;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace OnnxMec.Data;

/// <summary>
/// JPEG and PNG decoding through ImageSharp with only those two decoders enabled, one thread per
/// decode (the loader's workers are the parallelism), and a pixel limit checked from the header
/// before any pixel is decoded (decompression bombs).
/// </summary>
public sealed class ImageDecoding
{
    private static readonly Configuration Decoders = new(new JpegConfigurationModule(), new PngConfigurationModule()) { MaxDegreeOfParallelism = 1 };

    /// <summary>Image files above this size are refused before they are read (a 40-megapixel JPEG is about 20 MB).</summary>
    public const long FileLimit = 256L << 20;

    public ImageDecoding(long maxPixels = 40_000_000) => MaxPixels = maxPixels;

    public long MaxPixels { get; }

    /// <summary>
    /// A truncated JPEG can still decode, with the missing part filled in; refuse files that do not
    /// end as their format ends (JPEG's EOI marker, PNG's IEND chunk) instead of training on them.
    /// </summary>
    private static void CheckComplete(string path, byte[] bytes)
    {
        bool jpeg = bytes.Length > 3 && bytes[0] == 0xFF && bytes[1] == 0xD8;
        bool png = bytes.Length > 8 && bytes[0] == 0x89 && bytes[1] == (byte)'P' && bytes[2] == (byte)'N' && bytes[3] == (byte)'G';
        if (!jpeg && !png) throw new InvalidDataException($"{path}: not a JPEG or PNG image (unknown signature)");
        var tail = bytes.AsSpan(Math.Max(0, bytes.Length - 64));
        bool complete = jpeg ? tail.IndexOf([(byte)0xFF, (byte)0xD9]) >= 0 : tail.IndexOf("IEND"u8) >= 0;
        if (!complete) throw new InvalidDataException($"{path}: truncated {(jpeg ? "JPEG (no end-of-image marker)" : "PNG (no IEND chunk)")}");
    }

    /// <summary>Decodes a JPEG or PNG file into an RGB (or grey, for 1 channel) float image; errors name the file.</summary>
    public void Decode(string path, FloatImage into, int channels)
    {
        var bytes = InputFiles.ReadAll(path, "an image", FileLimit);
        CheckComplete(path, bytes);
        try
        {
            var info = Image.Identify(Decoders, new MemoryStream(bytes, writable: false)) ?? throw new InvalidDataException($"{path}: not a JPEG or PNG image");
            if ((long)info.Width * info.Height > MaxPixels)
                throw new InvalidDataException($"{path}: {info.Width}×{info.Height} = {(long)info.Width * info.Height:N0} pixels is over the limit of {MaxPixels:N0}");
            if (channels == 1)
            {
                using var grey = Image.Load<L8>(Decoders, bytes);
                into.Reset(1, grey.Height, grey.Width);
                var plane = into.Data;
                grey.ProcessPixelRows(rows =>
                {
                    for (int y = 0; y < rows.Height; y++)
                    {
                        var row = rows.GetRowSpan(y);
                        for (int x = 0; x < row.Length; x++) plane[y * into.Width + x] = row[x].PackedValue * (1f / 255f);
                    }
                });
                return;
            }
            using var image = Image.Load<Rgb24>(Decoders, bytes);
            into.Reset(3, image.Height, image.Width);
            int size = into.PlaneSize;
            var data = into.Data;
            image.ProcessPixelRows(rows =>
            {
                for (int y = 0; y < rows.Height; y++)
                {
                    var row = rows.GetRowSpan(y);
                    int o = y * into.Width;
                    for (int x = 0; x < row.Length; x++)
                    {
                        data[o + x] = row[x].R * (1f / 255f);
                        data[size + o + x] = row[x].G * (1f / 255f);
                        data[2 * size + o + x] = row[x].B * (1f / 255f);
                    }
                }
            });
        }
        catch (Exception e) when (e is UnknownImageFormatException or InvalidImageContentException or ImageFormatException or NotSupportedException)
        {
            throw new InvalidDataException($"{path}: not a readable JPEG or PNG image ({e.Message})", e);
        }
    }
}
