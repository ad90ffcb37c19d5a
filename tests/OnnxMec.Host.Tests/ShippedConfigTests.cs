using OnnxMec.Host.Cli;
using OnnxMec.Host.Configuration;

namespace OnnxMec.Host.Tests;

/// <summary>
/// The configs shipped with the host bind and validate as they stand: a renamed setting or a value
/// out of range fails here, not at the start of an hour-long benchmark.
/// </summary>
public class ShippedConfigTests
{
    private static IEnumerable<string> Configs =>
        Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "src", "OnnxMec.Host", "configs"), "*.json").Select(Path.GetFileName).Order()!;

    [Test]
    public void The_configs_folder_is_found() => Assert.That(Configs, Has.Member("quickstart.json").And.Member("fashion-mnist-60k.json"));

    [TestCaseSource(nameof(Configs))]
    public void The_shipped_config_binds_and_validates(string file)
    {
        string path = Path.Combine(RepositoryPaths.Root, "src", "OnnxMec.Host", "configs", file);
        var settings = ConfigurationSources.Bind(ConfigurationSources.Build(path, new Dictionary<string, string?>(), new Dictionary<string, string?>()));
        Assert.That(settings.Options.Artifacts, Does.StartWith("artifacts/"), "a set under the repository's artifacts folder");
    }
}
