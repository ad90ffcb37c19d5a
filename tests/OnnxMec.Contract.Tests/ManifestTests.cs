namespace OnnxMec.Contract.Tests;

public class ManifestTests
{
    [Test]
    public void A_missing_manifest_says_what_to_do()
    {
        var e = Assert.Throws<InvalidDataException>(() => Manifest.Load("/nonexistent/manifest.json"))!;
        Assert.That(e.Message, Does.Contain("/nonexistent/manifest.json").And.Contain("artifacts build"));
    }

    [Test]
    public void A_malformed_manifest_is_reported_by_file()
    {
        string path = Path.GetTempFileName();
        File.WriteAllText(path, "{ \"name\": ");
        var e = Assert.Throws<InvalidDataException>(() => Manifest.Load(path))!;
        Assert.That(e.Message, Does.Contain(path).And.Contain("malformed"));
        File.Delete(path);
    }
}
