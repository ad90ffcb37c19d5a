using System.Buffers.Binary;
using System.Text;

namespace OnnxMec.Contract.Tests;

public class SafeTensorsTests
{
    private string _dir = "";

    [SetUp]
    public void CreateFolder() => _dir = Directory.CreateTempSubdirectory("onnxmec-st-").FullName;

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_dir, recursive: true);

    private static IReadOnlyList<NamedTensor> Sample() =>
    [
        NamedTensor.Float32("conv1.weight", [2, 1, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]),
        NamedTensor.Int64("bn1.num_batches_tracked", [], [42]),
        NamedTensor.Float32("fc.bias", [3], [-1.5f, 0, 2.25f]),
    ];

    [Test]
    public void Tensors_and_metadata_round_trip_in_order()
    {
        string path = Path.Combine(_dir, "w.safetensors");
        SafeTensors.Write(path, Sample(), new Dictionary<string, string> { ["format"] = "pt" });
        var (tensors, metadata) = SafeTensors.Read(path);
        Assert.That(tensors.Select(t => t.Name), Is.EqualTo(Sample().Select(t => t.Name)));
        Assert.That(tensors[0].AsFloat32(), Is.EqualTo(new float[] { 1, 2, 3, 4, 5, 6, 7, 8 }));
        Assert.That(tensors[1].Shape, Is.Empty);
        Assert.That(metadata["format"], Is.EqualTo("pt"));
    }

    [Test]
    public void The_layout_is_the_safetensors_format()
    {
        var stream = new MemoryStream();
        SafeTensors.Write(stream, [NamedTensor.Float32("a", [1], [1f])]);
        var bytes = stream.ToArray();
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.That(headerLength % 8, Is.Zero, "the header is padded to 8 bytes");
        string header = Encoding.UTF8.GetString(bytes, 8, (int)headerLength).TrimEnd();
        Assert.That(header, Is.EqualTo("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}"));
        Assert.That(BitConverter.ToSingle(bytes, 8 + (int)headerLength), Is.EqualTo(1f));
    }

    [Test]
    public void A_truncated_file_is_reported_with_its_name_and_the_tensor()
    {
        string path = Path.Combine(_dir, "cut.safetensors");
        SafeTensors.Write(path, Sample());
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^4]);
        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(path))!;
        Assert.That(e.Message, Does.Contain(path).And.Contain("truncated").And.Contain("fc.bias"));
    }

    [Test]
    public void A_corrupt_header_is_reported_with_the_file_name()
    {
        string path = Path.Combine(_dir, "bad.safetensors");
        SafeTensors.Write(path, Sample());
        var bytes = File.ReadAllBytes(path);
        bytes[8] = (byte)'#'; // the header's opening brace
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(path))!;
        Assert.That(e.Message, Does.Contain(path).And.Contain("corrupt header"));
    }

    [Test]
    public void A_file_shorter_than_its_header_length_is_refused()
    {
        string path = Path.Combine(_dir, "short.safetensors");
        File.WriteAllBytes(path, [1, 2, 3]);
        Assert.That(() => SafeTensors.Read(path), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("truncated"));
        File.WriteAllBytes(path, [255, 255, 0, 0, 0, 0, 0, 0, 1]);
        Assert.That(() => SafeTensors.Read(path), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("header length"));
    }

    [Test]
    public void A_failed_write_leaves_the_previous_file_intact()
    {
        string path = Path.Combine(_dir, "keep.safetensors");
        SafeTensors.Write(path, Sample());
        var before = File.ReadAllBytes(path);
        var wrong = new NamedTensor("broken", "F32", [4], new byte[3]);
        Assert.Throws<ArgumentException>(() => SafeTensors.Write(path, [.. Sample(), wrong]));
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(before));
        Assert.That(Directory.GetFiles(_dir), Has.Length.EqualTo(1), "no temporary file is left behind");
    }
}
