using Microsoft.ML.OnnxRuntime;
using OnnxMec.Contract;

namespace OnnxMec.Graphs.Tests.Artifacts;

public class CommittedArtifactTests
{
    private static IEnumerable<string> Presets => ArtifactPresets.All.Keys;

    [TestCaseSource(nameof(Presets))]
    public void The_committed_set_is_byte_identical_to_a_fresh_build(string name)
    {
        var fresh = ArtifactSetBuilder.Build(name, ArtifactPresets.All[name]);
        string folder = RepositoryRoot.Artifacts(name);
        Assert.Multiple(() =>
        {
            foreach (var file in fresh.Files)
                Assert.That(File.ReadAllBytes(Path.Combine(folder, file.Name)), Is.EqualTo(file.Bytes),
                    $"{name}/{file.Name} differs from a fresh build: run ./onnxmec artifacts build --model {name}");
            Assert.That(File.ReadAllText(Path.Combine(folder, Manifest.FileName)), Is.EqualTo(fresh.Manifest.ToJson()), $"{name}/manifest.json");
        });
    }

    [TestCaseSource(nameof(Presets))]
    public void Every_graph_of_the_committed_set_loads_in_onnx_runtime_cpu(string name)
    {
        var manifest = Manifest.Load(Path.Combine(RepositoryRoot.Artifacts(name), Manifest.FileName));
        Assert.That(manifest.Graphs.Keys, Is.EquivalentTo(ArtifactNames.GraphNames));
        foreach (var (graphName, graph) in manifest.Graphs)
        {
            using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
            using var session = new InferenceSession(Path.Combine(RepositoryRoot.Artifacts(name), graph.File), options);
            Assert.That(session.InputNames, Is.EqualTo(graph.Inputs.Select(i => i.Name)), $"{name}/{graphName} inputs");
            Assert.That(session.OutputNames, Is.EqualTo(graph.Outputs.Select(o => o.Name)), $"{name}/{graphName} outputs");
        }
    }

    [TestCaseSource(nameof(Presets))]
    public void The_manifest_gives_every_state_input_of_train_step_an_update(string name)
    {
        var manifest = Manifest.Load(Path.Combine(RepositoryRoot.Artifacts(name), Manifest.FileName));
        var step = manifest.Graphs["train_step"];
        var updated = step.Outputs.Where(o => o.Role == Roles.Update).Select(o => o.Updates).ToHashSet();
        var stateInputs = step.Inputs.Where(i => Roles.IsState(i.Role)).Select(i => i.Name).ToList();
        Assert.That(stateInputs, Is.EquivalentTo(manifest.Tensors.Select(t => t.Name)), "train_step reads the whole state");
        Assert.That(updated, Is.EquivalentTo(stateInputs), "and writes all of it back");
        Assert.That(step.Inputs.Select(i => i.Role), Is.SupersetOf(new[] { Roles.Data, Roles.Lr, Roles.LambdaInv, Roles.Ema }));
    }
}
