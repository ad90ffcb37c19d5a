using Microsoft.ML.OnnxRuntime;
using OnnxMec.Contract;

namespace OnnxMec.Runtime;

/// <summary>One graph of an artifact set opened in ONNX Runtime, checked against its manifest entry.</summary>
internal sealed class GraphSession : IDisposable
{
    public GraphSession(string name, ManifestGraph graph, InferenceSession session, string path)
    {
        Name = name;
        Graph = graph;
        Session = session;
        var expectedInputs = graph.Inputs.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var expectedOutputs = graph.Outputs.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var problems = new List<string>();
        problems.AddRange(expectedInputs.Except(session.InputNames).Select(n => $"input '{n}' is in the manifest but not in the graph"));
        problems.AddRange(session.InputNames.Except(expectedInputs).Select(n => $"input '{n}' is in the graph but not in the manifest"));
        problems.AddRange(expectedOutputs.Except(session.OutputNames).Select(n => $"output '{n}' is in the manifest but not in the graph"));
        problems.AddRange(session.OutputNames.Except(expectedOutputs).Select(n => $"output '{n}' is in the graph but not in the manifest"));
        if (problems.Count > 0)
        {
            session.Dispose();
            throw new InvalidDataException(Problems.Join($"{path}: graph '{name}' does not match the manifest", problems));
        }
    }

    public string Name { get; }
    public ManifestGraph Graph { get; }
    public InferenceSession Session { get; }

    public void Dispose() => Session.Dispose();
}
