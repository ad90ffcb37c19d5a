using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OnnxMec.Contract;

/// <summary>One tensor of a safetensors file: dtype name as safetensors spells it ("F32", "F64", "I64"), shape, raw little-endian bytes.</summary>
public sealed record NamedTensor(string Name, string DType, long[] Shape, byte[] Data)
{
    public static NamedTensor Float32(string name, long[] shape, ReadOnlySpan<float> values) =>
        new(name, "F32", shape, MemoryMarshal.AsBytes(values).ToArray());

    public static NamedTensor Int64(string name, long[] shape, ReadOnlySpan<long> values) =>
        new(name, "I64", shape, MemoryMarshal.AsBytes(values).ToArray());

    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>The index of the first NaN or infinite value of a float32 tensor, or −1.</summary>
    public long FirstNonFinite() => DType != "F32" ? -1 : FiniteValues.FirstNonFinite(MemoryMarshal.Cast<byte, float>(Data));

    public float[] AsFloat32() => DType == "F32"
        ? MemoryMarshal.Cast<byte, float>(Data).ToArray()
        : throw new InvalidDataException($"tensor '{Name}' is {DType}, expected F32");
}

/// <summary>
/// Reads and writes the safetensors format (8-byte little-endian header length, a JSON header
/// of dtype, shape and data offsets per tensor plus optional string metadata, then the packed data),
/// the format PyTorch and Hugging Face tools exchange weights in.
/// </summary>
public static class SafeTensors
{
    private static readonly Dictionary<string, int> ElementSizes = new() { ["F32"] = 4, ["F64"] = 8, ["I64"] = 8, ["I32"] = 4, ["F16"] = 2, ["BF16"] = 2, ["U8"] = 1, ["BOOL"] = 1 };

    public static void Write(string path, IReadOnlyList<NamedTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null) =>
        AtomicFile.Write(path, stream => Write(stream, tensors, metadata));

    public static void Write(Stream stream, IReadOnlyList<NamedTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var meta = new JsonObject();
            foreach (var (k, v) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal)) meta[k] = v;
            header["__metadata__"] = meta;
        }
        long offset = 0;
        foreach (var t in tensors)
        {
            long expected = t.ElementCount * ElementSize(t.DType, t.Name);
            if (t.Data.Length != expected) throw new ArgumentException($"tensor '{t.Name}': {t.Data.Length} bytes for shape [{string.Join(",", t.Shape)}] {t.DType}, expected {expected}");
            header[t.Name] = new JsonObject
            {
                ["dtype"] = t.DType,
                ["shape"] = new JsonArray(t.Shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + t.Data.Length),
            };
            offset += t.Data.Length;
        }
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8;
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
        stream.Write(length);
        stream.Write(json);
        for (int i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
        foreach (var t in tensors) stream.Write(t.Data);
    }

    /// <summary>Headers larger than this are refused before they are parsed (real ones are kilobytes).</summary>
    private const long HeaderLimit = 100L << 20;

    /// <summary>The tensors of a file, in file order, and its metadata; any inconsistency is an error naming the file and tensor.</summary>
    public static (IReadOnlyList<NamedTensor> Tensors, IReadOnlyDictionary<string, string> Metadata) Read(string path) =>
        Read(InputFiles.ReadAll(path, "a safetensors file", InputFiles.ModelLimit), path);

    /// <summary>Only the metadata of a file, reading no more than its header.</summary>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string path)
    {
        long length = InputFiles.Check(path, "a safetensors file", InputFiles.ModelLimit);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        Span<byte> prefix = stackalloc byte[8];
        if (length < 8) throw Truncated(path, length);
        stream.ReadExactly(prefix);
        long headerLength = HeaderLength(prefix, length, path);
        var header = new byte[headerLength];
        stream.ReadExactly(header);
        return ParseHeader(header, path).Metadata;
    }

    /// <summary>Reads safetensors bytes; <paramref name="path"/> names their source in errors.</summary>
    public static (IReadOnlyList<NamedTensor> Tensors, IReadOnlyDictionary<string, string> Metadata) Read(byte[] bytes, string path)
    {
        if (bytes.Length < 8) throw Truncated(path, bytes.Length);
        long headerLength = HeaderLength(bytes.AsSpan(0, 8), bytes.Length, path);
        var (entries, metadata) = ParseHeader(bytes.AsSpan(8, (int)headerLength), path);
        long dataStart = 8 + headerLength, dataLength = bytes.Length - dataStart;
        var tensors = new List<(long Begin, NamedTensor Tensor)>();
        long covered = 0;
        foreach (var (name, dtype, shape, begin, end) in entries.OrderBy(e => e.Begin))
        {
            if (end > dataLength) throw new InvalidDataException($"{path}: truncated: tensor '{name}' needs bytes {begin}..{end} of {dataLength}");
            if (begin < covered) throw new InvalidDataException($"{path}: tensor '{name}' (bytes {begin}..{end}) overlaps the tensor before it");
            covered = end;
            tensors.Add((begin, new NamedTensor(name, dtype, shape, bytes.AsSpan((int)(dataStart + begin), (int)(end - begin)).ToArray())));
        }
        return (tensors.Select(t => t.Tensor).ToList(), metadata);
    }

    private static InvalidDataException Truncated(string path, long length) =>
        new($"{path}: truncated: {length} bytes, not even the 8-byte header length");

    private static long HeaderLength(ReadOnlySpan<byte> prefix, long fileLength, string path)
    {
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > (ulong)(fileLength - 8)) throw new InvalidDataException($"{path}: truncated or not safetensors: header length {headerLength} exceeds the file ({fileLength} bytes)");
        if (headerLength > HeaderLimit) throw new InvalidDataException($"{path}: a header of {headerLength:N0} bytes is over the limit of {HeaderLimit:N0}");
        return (long)headerLength;
    }

    /// <summary>The header's tensor entries (sizes checked with overflow-safe arithmetic) and its string metadata.</summary>
    private static (List<(string Name, string DType, long[] Shape, long Begin, long End)> Entries, Dictionary<string, string> Metadata) ParseHeader(ReadOnlySpan<byte> json, string path)
    {
        JsonObject header;
        try { header = JsonNode.Parse(json)?.AsObject() ?? throw new InvalidDataException($"{path}: corrupt header: null"); }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException) { throw new InvalidDataException($"{path}: corrupt header: {e.Message}"); }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var entries = new List<(string, string, long[], long, long)>();
        foreach (var (name, node) in header)
        {
            try
            {
                if (name == "__metadata__")
                {
                    if (node is not JsonObject meta) throw new InvalidDataException($"{path}: __metadata__ is not an object of strings");
                    foreach (var (k, v) in meta)
                        metadata[k] = v is JsonValue text && text.TryGetValue<string>(out var value) ? value
                            : throw new InvalidDataException($"{path}: metadata '{k}' is {Describe(v)}, expected a string");
                    continue;
                }
                if (node is not JsonObject entry) throw new InvalidDataException($"{path}: tensor '{name}' is {Describe(node)}, expected an object with dtype, shape and data_offsets");
                string dtype = Field<string>(entry, "dtype", "a string", path, name);
                long[] shape = Numbers(entry, "shape", path, name);
                long[] offsets = Numbers(entry, "data_offsets", path, name);
                if (offsets.Length != 2) throw new InvalidDataException($"{path}: tensor '{name}': data_offsets must be [begin, end]");
                long begin = offsets[0], end = offsets[1];
                if (shape.Any(d => d < 0)) throw new InvalidDataException($"{path}: tensor '{name}' has a negative dimension in [{string.Join(",", shape)}]");
                if (begin < 0 || end < begin) throw new InvalidDataException($"{path}: tensor '{name}' has data_offsets [{begin}, {end}]");
                long expected = checked(shape.Aggregate(1L, (a, b) => checked(a * b)) * ElementSize(dtype, name));
                if (end - begin != expected) throw new InvalidDataException($"{path}: tensor '{name}' has {end - begin} bytes for shape [{string.Join(",", shape)}] {dtype}, expected {expected}");
                entries.Add((name, dtype, shape, begin, end));
            }
            catch (OverflowException)
            {
                throw new InvalidDataException($"{path}: tensor '{name}': its shape's size overflows");
            }
            catch (InvalidDataException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
            {
                throw new InvalidDataException($"{path}: {e.Message}");
            }
            catch (Exception e) when (e is not InvalidDataException)
            {
                throw new InvalidDataException($"{path}: corrupt header entry for {(name == "__metadata__" ? "the metadata" : $"tensor '{name}'")}: {e.Message}");
            }
        }
        return (entries, metadata);
    }

    private static T Field<T>(JsonObject entry, string key, string expected, string path, string tensor) =>
        entry[key] is JsonValue v && v.TryGetValue<T>(out var value) ? value
            : throw new InvalidDataException($"{path}: tensor '{tensor}': {key} is {Describe(entry[key])}, expected {expected}");

    private static long[] Numbers(JsonObject entry, string key, string path, string tensor) =>
        entry[key] is JsonArray items
            ? items.Select(d => d is JsonValue v && v.TryGetValue<long>(out long n) ? n
                : throw new InvalidDataException($"{path}: tensor '{tensor}': {key} holds {Describe(d)}, expected whole numbers")).ToArray()
            : throw new InvalidDataException($"{path}: tensor '{tensor}': {key} is {Describe(entry[key])}, expected an array of whole numbers");

    private static string Describe(JsonNode? node) => node is null ? "null or missing" : node.ToJsonString() is { Length: <= 40 } text ? text : node.GetValueKind().ToString().ToLowerInvariant();

    private static int ElementSize(string dtype, string tensor) =>
        ElementSizes.TryGetValue(dtype, out int size) ? size : throw new InvalidDataException($"tensor '{tensor}': unsupported dtype '{dtype}'");
}
