using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OnnxMec.Formats;

/// <summary>One tensor of a safetensors file: dtype name as safetensors spells it ("F32", "F64", "I64"), shape, raw little-endian bytes.</summary>
public sealed record NamedTensor(string Name, string DType, long[] Shape, byte[] Data)
{
    public static NamedTensor Float32(string name, long[] shape, ReadOnlySpan<float> values) =>
        new(name, "F32", shape, MemoryMarshal.AsBytes(values).ToArray());

    public static NamedTensor Int64(string name, long[] shape, ReadOnlySpan<long> values) =>
        new(name, "I64", shape, MemoryMarshal.AsBytes(values).ToArray());

    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);

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

    /// <summary>The tensors of a file, in file order, and its metadata; any inconsistency is an error naming the file and tensor.</summary>
    public static (IReadOnlyList<NamedTensor> Tensors, IReadOnlyDictionary<string, string> Metadata) Read(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { throw new InvalidDataException($"{path}: file not found"); }
        return Read(bytes, path);
    }

    /// <summary>Reads safetensors bytes; <paramref name="path"/> names their source in errors.</summary>
    public static (IReadOnlyList<NamedTensor> Tensors, IReadOnlyDictionary<string, string> Metadata) Read(byte[] bytes, string path)
    {
        if (bytes.Length < 8) throw new InvalidDataException($"{path}: truncated: {bytes.Length} bytes, not even the 8-byte header length");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > (ulong)(bytes.Length - 8)) throw new InvalidDataException($"{path}: truncated or not safetensors: header length {headerLength} exceeds the file ({bytes.Length} bytes)");
        JsonObject header;
        try { header = JsonNode.Parse(bytes.AsSpan(8, (int)headerLength))!.AsObject(); }
        catch (Exception e) when (e is JsonException or InvalidOperationException) { throw new InvalidDataException($"{path}: corrupt header: {e.Message}"); }

        long dataStart = 8 + (long)headerLength, dataLength = bytes.Length - dataStart;
        var metadata = new Dictionary<string, string>();
        var tensors = new List<(long Begin, NamedTensor Tensor)>();
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__")
            {
                foreach (var (k, v) in node!.AsObject()) metadata[k] = v!.GetValue<string>();
                continue;
            }
            try
            {
                var entry = node!.AsObject();
                string dtype = entry["dtype"]!.GetValue<string>();
                long[] shape = entry["shape"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray();
                long begin = entry["data_offsets"]![0]!.GetValue<long>(), end = entry["data_offsets"]![1]!.GetValue<long>();
                long expected = shape.Aggregate(1L, (a, b) => a * b) * ElementSize(dtype, name);
                if (end - begin != expected) throw new InvalidDataException($"{path}: tensor '{name}' has {end - begin} bytes for shape [{string.Join(",", shape)}] {dtype}, expected {expected}");
                if (begin < 0 || end > dataLength) throw new InvalidDataException($"{path}: truncated: tensor '{name}' needs bytes {begin}..{end} of {dataLength}");
                tensors.Add((begin, new NamedTensor(name, dtype, shape, bytes.AsSpan((int)(dataStart + begin), (int)(end - begin)).ToArray())));
            }
            catch (Exception e) when (e is not InvalidDataException)
            {
                throw new InvalidDataException($"{path}: corrupt header entry for tensor '{name}': {e.Message}");
            }
        }
        return (tensors.OrderBy(t => t.Begin).Select(t => t.Tensor).ToList(), metadata);
    }

    private static int ElementSize(string dtype, string tensor) =>
        ElementSizes.TryGetValue(dtype, out int size) ? size : throw new InvalidDataException($"tensor '{tensor}': unsupported dtype '{dtype}'");
}
