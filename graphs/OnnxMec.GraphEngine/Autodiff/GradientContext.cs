namespace OnnxMec.GraphEngine;

/// <summary>What a gradient rule sees: the forward node, the gradients of its outputs, and which inputs need one.</summary>
public sealed class GradientContext
{
    private readonly IReadOnlyList<Value?> _outputGradients;
    private readonly bool[] _needs;

    private readonly IReadOnlyList<Value?> _inputs;

    internal GradientContext(GraphBuilder graph, Node node, IReadOnlyList<Value?> inputs, IReadOnlyList<Value?> outputGradients, bool[] needs)
    {
        G = graph;
        Node = node;
        _inputs = inputs;
        _outputGradients = outputGradients;
        _needs = needs;
    }

    /// <summary>The builder to emit backward nodes into.</summary>
    public GraphBuilder G { get; }
    public Node Node { get; }

    /// <summary>Input i of the node (of a custom-gradient marker: the i-th value it differentiates for).</summary>
    public Value X(int i) => _inputs[i] ?? throw new InvalidOperationException($"{Node} has no input {i}");
    public Value Y(int i = 0) => Node.Outputs[i];

    /// <summary>Gradient of output i, or null where nothing downstream reached the loss.</summary>
    public Value? Dy(int i = 0) => i < _outputGradients.Count ? _outputGradients[i] : null;

    /// <summary>Gradient of output 0, which every rule of a single-output op has.</summary>
    public Value D => Dy(0) ?? throw new InvalidOperationException($"{Node}: no gradient for its output");

    /// <summary>Whether input i lies on a path from a wrt value to the loss (no work otherwise).</summary>
    public bool Needs(int i) => i < _needs.Length && _needs[i];

    /// <summary>The rule's result for each input: the gradient where needed, else null.</summary>
    public Value?[] Grads(params Func<Value>[] perInput) =>
        perInput.Select((f, i) => Needs(i) ? f() : null).ToArray();

    /// <summary>
    /// Sums a broadcast gradient back to the shape of the input it flowed from (numpy
    /// broadcasting in reverse: leading axes and axes where the input had size 1).
    /// </summary>
    public Value ReduceTo(Value grad, Value input)
    {
        if (grad.Shape.Equals(input.Shape)) return grad;
        int lead = grad.Rank - input.Rank;
        var axes = new List<long>();
        for (int i = 0; i < grad.Rank; i++)
            if (i < lead || (input.Shape[i - lead] == Dim.Of(1) && grad.Shape[i] != Dim.Of(1))) axes.Add(i);
        var summed = axes.Count == 0 ? grad : G.ReduceSum(grad, [.. axes], keepDims: true);
        return G.Reshape(summed, input.Shape);
    }

    public Value Zero(Value like) => G.Scalar(0, like.DType);
}
