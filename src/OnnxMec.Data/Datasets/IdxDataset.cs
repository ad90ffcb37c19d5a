using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using OnnxMec.Contract;

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

    /// <summary>IDX files above this size are refused before they are opened (MNIST's largest is 47 MB).</summary>
    public const long FileLimit = 2_000_000_000;

    public static IdxDataset Load(string imagesPath, string? labelsPath) =>
        Load(imagesPath, () => InputFiles.OpenRead(imagesPath, "an IDX image file", FileLimit),
            labelsPath, labelsPath is null ? null : () => InputFiles.OpenRead(labelsPath, "an IDX label file", FileLimit));

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

    /// <summary>
    /// Reads an IDX file of unsigned bytes, checking its magic number, rank and size against its
    /// header. The header's size is computed without overflow and must fit one array; the data is
    /// read in chunks up to that size, so neither a lying header nor a gzip bomb allocates more
    /// than the file really holds.
    /// </summary>
    private static (int[] Dims, byte[] Data) ReadIdx(string name, Func<Stream> open, int magic, int rank)
    {
        using var raw = open();
        using var input = Decompressed(raw, name);
        var header = ReadUpTo(input, 4 + 4 * rank, name);
        if (header.Length < 4 + 4 * rank) throw new InvalidDataException($"{name}: {header.Length} bytes is too short for an IDX header");
        int actualMagic = BinaryPrimitives.ReadInt32BigEndian(header);
        if (actualMagic != magic)
            throw new InvalidDataException($"{name}: magic number 0x{actualMagic:X8}, expected 0x{magic:X8} (unsigned bytes, {rank} dimension{(rank > 1 ? "s" : "")})");
        var dims = Enumerable.Range(0, rank).Select(i => BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4 + 4 * i))).ToArray();
        string shape = $"[{string.Join(", ", dims)}]";
        if (dims.Any(d => d <= 0)) throw new InvalidDataException($"{name}: the header says {shape}; every dimension must be positive");
        long expected = 1;
        foreach (int d in dims)
        {
            if (expected > Array.MaxLength / d)
                throw new InvalidDataException($"{name}: the header says {shape}, more than the {Array.MaxLength:N0} bytes one dataset can hold");
            expected *= d;
        }
        var data = ReadUpTo(input, expected + 1, name);
        if (data.Length != expected)
            throw new InvalidDataException($"{name}: the header says {shape} = {expected:N0} bytes of data, the file has {(data.Length > expected ? "more" : data.Length.ToString("N0", CultureInfo.InvariantCulture))}");
        return (dims, data);
    }

    /// <summary>The file's bytes as a stream, decompressed where they start with the gzip magic bytes.</summary>
    private static Stream Decompressed(Stream raw, string name)
    {
        var bytes = ReadUpTo(raw, FileLimit, name);
        var stream = new MemoryStream(bytes, writable: false);
        return bytes.Length >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B ? new GZipStream(stream, CompressionMode.Decompress) : stream;
    }

    /// <summary>At most <paramref name="limit"/> bytes, fewer where the stream ends first; memory grows with what is read, not with the limit.</summary>
    private static byte[] ReadUpTo(Stream input, long limit, string name)
    {
        using var collected = new MemoryStream();
        var chunk = new byte[1 << 20];
        while (collected.Length < limit)
        {
            int n = ReadSafely(() => input.Read(chunk, 0, (int)Math.Min(chunk.Length, limit - collected.Length)), name);
            if (n == 0) break;
            collected.Write(chunk, 0, n);
        }
        return collected.ToArray();
    }

    private static int ReadSafely(Func<int> read, string name)
    {
        try { return read(); }
        catch (InvalidDataException e) { throw new InvalidDataException($"{name}: corrupt gzip data: {e.Message}", e); }
        catch (IOException e) { throw new InvalidDataException($"{name}: cannot be read: {e.Message}", e); }
    }
}
