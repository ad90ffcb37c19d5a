namespace OnnxMec.Contract.Tests;

public class AtomicFileTests
{
    private string _folder = "";

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("onnxmec-atomic-").FullName;

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    public void A_write_that_fails_halfway_like_on_a_full_disk_keeps_the_old_file_and_leaves_no_temporary()
    {
        string path = Path.Combine(_folder, "checkpoint.safetensors");
        File.WriteAllText(path, "the old checkpoint");
        var e = Assert.Throws<InvalidDataException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write(new byte[4096]);
            throw new IOException("No space left on device");
        }))!;
        Assert.That(e.Message, Does.StartWith(path).And.Contain("No space left on device"));
        Assert.That(File.ReadAllText(path), Is.EqualTo("the old checkpoint"));
        Assert.That(Directory.GetFiles(_folder), Is.EqualTo(new[] { path }), "no temporary file is left");
    }

    [Test]
    public void A_folder_or_a_device_is_never_replaced()
    {
        Assert.That(() => AtomicFile.WriteAllText(_folder, "x"), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("is a folder"));
        Assert.That(() => AtomicFile.WriteAllText("/dev/null", "x"), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("not replaced"));
    }
}
