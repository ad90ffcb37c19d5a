namespace OnnxMec.GraphEngine;

/// <summary>A named tensor in a graph: a graph input, an initializer, or a node's output.</summary>
public sealed class Value
{
    internal Value(GraphBuilder graph, string name, DType dtype, Shape shape, Node? producer)
    {
        Graph = graph;
        Name = name;
        DType = dtype;
        Shape = shape;
        Producer = producer;
    }

    public GraphBuilder Graph { get; }
    public string Name { get; internal set; }
    public DType DType { get; }
    public Shape Shape { get; }

    /// <summary>The node that computes this value; null for graph inputs and initializers.</summary>
    public Node? Producer { get; }

    /// <summary>The data of a constant or initializer, when the builder knows it.</summary>
    public TensorData? ConstantData { get; internal set; }

    public int Rank => Shape.Rank;

    public override string ToString() => $"{Name}: {DType.OnnxName()}{Shape}";
}
