using System.Buffers.Binary;
using System.IO.Compression;

namespace OnnxMec.Data;

/// <summary>
/// MNIST-style IDX files (Fashion-MNIST, MNIST): an unsigned-byte image file (magic 0x803,
/// [N, H, W]) and a label file (magic 0x801, [N]), raw or gzip-compressed; held in memory.
/// </summary>
public sealed class IdxDataset : IImageDataset
{
    private readonly byte[] _pixels;
    private readonly byte[] _labels;

    public IdxDataset(string name, byte[] pixels, int count, int height, int width, byte[] labels)
    {
        Name = name;
        _pixels = pixels;
        _labels = labels;
        Count = count;
        Height = height;
        Width = width;
    }

    public string Name { get; }
    public int Count { get; }
    public int Height { get; }
    public int Width { get; }
    public int Channels => 1;
    public int ClassCount => _labels.Length == 0 ? 0 : _labels.Max() + 1;

    public int Label(int index) => _labels.Length == 0 ? -1 : _labels[index];

    public void Read(int index, FloatImage into) =>
        into.FromPlanarBytes(_pixels.AsSpan(index * Height * Width, Height * Width), 1, Height, Width);

    /// <summary>The raw 8-bit pixels of one image, [H·W].</summary>
    public ReadOnlySpan<byte> Pixels(int index) => _pixels.AsSpan(index * Height * Width, Height * Width);

    public static IdxDataset Load(string imagesPath, string? labelsPath) =>
        Load(imagesPath, () => File.OpenRead(imagesPath), labelsPath, labelsPath is null ? null : () => File.OpenRead(labelsPath));

    public static IdxDataset Load(string imagesName, Func<Stream> images, string? labelsName, Func<Stream>? labels)
    {
        var (pixelDims, pixels) = ReadIdx(imagesName, images, 0x803, 3);
        byte[] labelBytes = [];
        if (labels is not null)
        {
            var (labelDims, l) = ReadIdx(labelsName!, labels, 0x801, 1);
            if (labelDims[0] != pixelDims[0])
                throw new InvalidDataException($"{labelsName}: {labelDims[0]} labels for the {pixelDims[0]} images of {imagesName}");
            labelBytes = l;
        }
        return new IdxDataset($"IDX {Path.GetFileName(imagesName)}", pixels, pixelDims[0], pixelDims[1], pixelDims[2], labelBytes);
    }

    /// <summary>Reads an IDX file of unsigned bytes, checking its magic number, rank and size against its header.</summary>
    private static (int[] Dims, byte[] Data) ReadIdx(string name, Func<Stream> open, int magic, int rank)
    {
        byte[] bytes;
        try
        {
            using var raw = open();
            using var buffer = new MemoryStream();
            raw.CopyTo(buffer);
            bytes = buffer.ToArray();
            if (bytes.Length >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B)
            {
                using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
                using var unpacked = new MemoryStream();
                gzip.CopyTo(unpacked);
                bytes = unpacked.ToArray();
            }
        }
        catch (FileNotFoundException) { throw new InvalidDataException($"{name}: file not found"); }
        catch (InvalidDataException e) { throw new InvalidDataException($"{name}: corrupt gzip data: {e.Message}", e); }
        if (bytes.Length < 4 + 4 * rank) throw new InvalidDataException($"{name}: {bytes.Length} bytes is too short for an IDX header");
        int actualMagic = BinaryPrimitives.ReadInt32BigEndian(bytes);
        if (actualMagic != magic)
            throw new InvalidDataException($"{name}: magic number 0x{actualMagic:X8}, expected 0x{magic:X8} (unsigned bytes, {rank} dimension{(rank > 1 ? "s" : "")})");
        var dims = Enumerable.Range(0, rank).Select(i => BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + 4 * i))).ToArray();
        long expected = dims.Aggregate(1L, (a, b) => a * b);
        long actual = bytes.Length - 4 - 4L * rank;
        if (dims.Any(d => d <= 0) || actual != expected)
            throw new InvalidDataException($"{name}: the header says [{string.Join(", ", dims)}] = {expected:N0} bytes of data, the file has {actual:N0}");
        return (dims, bytes[(4 + 4 * rank)..]);
    }
}
