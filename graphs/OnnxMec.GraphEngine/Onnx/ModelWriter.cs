using Google.Protobuf;
using Onnx;

namespace OnnxMec.GraphEngine;

/// <summary>
/// Turns a built graph into an ONNX ModelProto. Everything is written in build order and tensor
/// payloads as raw little-endian bytes, so the same graph gives the same bytes.
/// </summary>
public static class ModelWriter
{
    /// <summary>IR version 8 goes with opset 18.</summary>
    private const long IrVersion = 8;

    public static string ProducerVersion { get; } = "1";

    public static ModelProto ToModel(GraphBuilder graph, IEnumerable<KeyValuePair<string, string>>? metadata = null) =>
        ToModel(new GraphPart(graph.Name, graph.Inputs, graph.Nodes, graph.Outputs), graph.Initializers, metadata);

    /// <summary>A part of a graph (see <see cref="GraphPartition"/>) as a model of its own.</summary>
    public static ModelProto ToModel(GraphPart part, IEnumerable<Value>? initializers = null, IEnumerable<KeyValuePair<string, string>>? metadata = null)
    {
        var g = new GraphProto { Name = part.Name };
        foreach (var v in part.Inputs) g.Input.Add(ValueInfo(v));
        foreach (var v in part.Outputs) g.Output.Add(ValueInfo(v));
        foreach (var v in initializers ?? []) g.Initializer.Add(Tensor(v.ConstantData!, v.Name));
        foreach (var node in part.Nodes) g.Node.Add(NodeProtoOf(node));
        // Every intermediate's type and shape, so that a runtime rewrite (the CPU's blocked-layout
        // convolutions) can read channel counts without running shape inference.
        var outputs = part.Outputs.ToHashSet();
        foreach (var node in part.Nodes)
            if (node.OpType != "Constant")
                foreach (var v in node.Outputs)
                    if (!outputs.Contains(v)) g.ValueInfo.Add(ValueInfo(v));

        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "OnnxMec",
            ProducerVersion = ProducerVersion,
            Graph = g,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = GraphBuilder.Opset });
        foreach (var (k, v) in metadata ?? []) model.MetadataProps.Add(new StringStringEntryProto { Key = k, Value = v });
        return model;
    }

    public static byte[] ToBytes(GraphBuilder graph, IEnumerable<KeyValuePair<string, string>>? metadata = null) =>
        ToModel(graph, metadata).ToByteArray();

    public static byte[] ToBytes(GraphPart part, IEnumerable<KeyValuePair<string, string>>? metadata = null) =>
        ToModel(part, null, metadata).ToByteArray();

    private static NodeProto NodeProtoOf(Node node)
    {
        var p = new NodeProto { OpType = node.OpType, Name = node.Name };
        foreach (var input in node.Inputs) p.Input.Add(input?.Name ?? "");
        foreach (var output in node.Outputs) p.Output.Add(output.Name);
        foreach (var (name, value) in node.Attributes) p.Attribute.Add(Attribute(name, value));
        return p;
    }

    private static AttributeProto Attribute(string name, object value)
    {
        var a = new AttributeProto { Name = name };
        switch (value)
        {
            case long i: a.Type = AttributeProto.Types.AttributeType.Int; a.I = i; break;
            case float f: a.Type = AttributeProto.Types.AttributeType.Float; a.F = f; break;
            case string s: a.Type = AttributeProto.Types.AttributeType.String; a.S = ByteString.CopyFromUtf8(s); break;
            case long[] ints: a.Type = AttributeProto.Types.AttributeType.Ints; a.Ints.AddRange(ints); break;
            case float[] floats: a.Type = AttributeProto.Types.AttributeType.Floats; a.Floats.AddRange(floats); break;
            case TensorData t: a.Type = AttributeProto.Types.AttributeType.Tensor; a.T = Tensor(t, null); break;
            default: throw new NotSupportedException($"attribute '{name}' of type {value.GetType().Name}");
        }
        return a;
    }

    public static TensorProto Tensor(TensorData data, string? name)
    {
        var t = new TensorProto { DataType = (int)data.DType, RawData = ByteString.CopyFrom(data.Bytes) };
        if (name is not null) t.Name = name;
        t.Dims.AddRange(data.Dims);
        return t;
    }

    private static ValueInfoProto ValueInfo(Value v)
    {
        var shape = new TensorShapeProto();
        foreach (var d in v.Shape)
            shape.Dim.Add(d.IsStatic ? new TensorShapeProto.Types.Dimension { DimValue = d.Size } : new TensorShapeProto.Types.Dimension { DimParam = d.Symbol });
        return new ValueInfoProto
        {
            Name = v.Name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)v.DType, Shape = shape } },
        };
    }
}
