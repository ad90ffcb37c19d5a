using Google.Protobuf;
using Onnx;
using OnnxMec.Contract;

namespace OnnxMec.Runtime;

/// <summary>What an exported encoder holds: the projector's embedding besides the features, folded BatchNorm, and metadata to record.</summary>
public sealed record ExportOptions(bool WithProjector, bool FoldBatchNorm, IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// A trained encoder as a standalone ONNX model that any InferenceSession runs without this
/// project, made from what the artifact set ships: its eval graph (eval-mode BatchNorm, input
/// "images" float32 [N, C, S, S], outputs "features" [N, F] and "embedding" [N, d]) with the online
/// weights written in as initializers, the unused output and everything only it needed removed.
/// With <see cref="ExportOptions.FoldBatchNorm"/> ONNX Runtime's basic graph optimisations (constant
/// folding, Conv–Mul and Conv–Add fusion: standard operators only) fold each BatchNorm into the
/// convolution before it.
/// </summary>
public static class EncoderExport
{
    public static void Write(string path, ArtifactSetFolder set, IReadOnlyList<NamedTensor> onlineWeights, ExportOptions options) =>
        AtomicFile.WriteAllBytes(path, Build(set, onlineWeights, options));

    public static byte[] Build(ArtifactSetFolder set, IReadOnlyList<NamedTensor> onlineWeights, ExportOptions options)
    {
        var contract = set.Manifest.Graphs.TryGetValue(ArtifactNames.EvalModel, out var g) ? g
            : throw new InvalidDataException($"artifact set '{set.Manifest.Name}' has no '{ArtifactNames.EvalModel}' graph to export from");
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(set.GraphPath(ArtifactNames.EvalModel)));
        var graph = model.Graph;
        var weights = onlineWeights.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var input in contract.Inputs.Where(i => Roles.IsOnline(i.Role)))
        {
            if (!weights.TryGetValue(input.Name, out var w)) { problems.Add($"'{input.Name}' is missing"); continue; }
            if (w.DType != "F32" || !w.Shape.Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture)).SequenceEqual(input.Shape))
            {
                problems.Add($"'{input.Name}' is {w.DType} [{string.Join(",", w.Shape)}], expected F32 [{string.Join(",", input.Shape)}]");
                continue;
            }
            if (w.FirstNonFinite() is >= 0 and var bad) { problems.Add($"'{input.Name}' holds {w.AsFloat32()[bad]} at element {bad}; an encoder needs finite weights"); continue; }
            var tensor = new TensorProto { Name = input.Name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(w.Data) };
            tensor.Dims.AddRange(w.Shape);
            graph.Initializer.Add(tensor);
            graph.Input.Remove(graph.Input.First(i => i.Name == input.Name));
        }
        if (problems.Count > 0)
            throw new InvalidDataException(Problems.Join($"the weights do not fit the eval graph of artifact set '{set.Manifest.Name}'", problems));

        var keep = contract.Outputs.Where(o => o.Role == Roles.Feature || options.WithProjector && o.Role == Roles.Embedding).Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var output in graph.Output.Where(o => !keep.Contains(o.Name)).ToList()) graph.Output.Remove(output);
        Prune(graph);
        graph.Name = "onnxmec_encoder";

        byte[] bytes = options.FoldBatchNorm ? SessionFactory.OptimisedModel(model.ToByteArray(), $"the encoder of '{set.Manifest.Name}'") : model.ToByteArray();
        var result = ModelProto.Parser.ParseFrom(bytes);
        var foreign = result.Graph.Node.Where(n => n.Domain is not ("" or "ai.onnx")).Select(n => $"{n.Domain}:{n.OpType}").Distinct().ToList();
        if (foreign.Count > 0) throw new InvalidOperationException($"the exported model would need non-standard operators ({string.Join(", ", foreign)})");
        result.MetadataProps.Clear();
        foreach (var (key, value) in options.Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            result.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        result.ProducerName = "OnnxMec";
        return result.ToByteArray();
    }

    /// <summary>Removes the nodes, initializers and value infos no kept output depends on.</summary>
    private static void Prune(GraphProto graph)
    {
        var needed = graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var kept = new List<NodeProto>();
        foreach (var node in graph.Node.Reverse())
        {
            if (!node.Output.Any(needed.Contains)) continue;
            kept.Add(node);
            foreach (var input in node.Input) if (input.Length > 0) needed.Add(input);
        }
        kept.Reverse();
        graph.Node.Clear();
        graph.Node.AddRange(kept);
        foreach (var init in graph.Initializer.Where(i => !needed.Contains(i.Name)).ToList()) graph.Initializer.Remove(init);
        foreach (var info in graph.ValueInfo.Where(i => !needed.Contains(i.Name)).ToList()) graph.ValueInfo.Remove(info);
    }
}
