using OnnxMec.Contract;

namespace OnnxMec.Graphs.Tests.Artifacts;

public class ArtifactPlanTests
{
    [Test]
    public void Config_validation_lists_every_invalid_field()
    {
        var errors = ArtifactPlan.Validate(new ArtifactConfig { Arch = "vgg", Order = 9, Form = "diagonal", Width = 0 });
        Assert.That(errors, Has.Count.EqualTo(4));
        Assert.That(string.Join("\n", errors), Does.Contain("arch").And.Contain("order").And.Contain("form").And.Contain("width"));
    }
}
