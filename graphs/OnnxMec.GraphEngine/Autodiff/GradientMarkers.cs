using System.Runtime.CompilerServices;

namespace OnnxMec.GraphEngine;

/// <summary>
/// Marks that change how autodiff walks a graph, kept beside the nodes rather than in them so the
/// graph core knows nothing of gradients: stop-gradient (PyTorch's <c>detach()</c>) and a
/// hand-written rule for a composite (as <c>torch.autograd.Function</c>). Both are Identity nodes
/// in the model file.
/// </summary>
public static class GradientMarkers
{
    private sealed record Mark(bool StopsGradient, IReadOnlyList<Value>? Inputs, GradientRule? Rule);

    private static readonly ConditionalWeakTable<Node, Mark> Marks = [];

    /// <summary>An Identity of <paramref name="x"/> that autodiff treats as a constant (the MEC target branch runs under it).</summary>
    public static Value StopGradient(this GraphBuilder g, Value x, string? name = null)
    {
        var y = g.Identity(x, name ?? "stop_gradient");
        Marks.Add(y.Producer!, new Mark(true, null, null));
        return y;
    }

    /// <summary>
    /// Gives <paramref name="y"/> a hand-written gradient: the returned value equals y, and autodiff
    /// differentiates it with respect to <paramref name="inputs"/> by <paramref name="rule"/> (whose
    /// X(i) are those inputs) instead of through the nodes that computed y, which should read the
    /// inputs under stop-gradient.
    /// </summary>
    public static Value CustomGradient(this GraphBuilder g, Value y, IReadOnlyList<Value> inputs, GradientRule rule, string? name = null)
    {
        var marked = g.Identity(y, name ?? "custom_gradient");
        Marks.Add(marked.Producer!, new Mark(false, inputs, rule));
        return marked;
    }

    public static bool StopsGradient(Node node) => Marks.TryGetValue(node, out var m) && m.StopsGradient;

    /// <summary>The values autodiff follows through a node: a custom rule's inputs where marked, else the node's inputs.</summary>
    public static IReadOnlyList<Value?> DifferentiableInputs(Node node) =>
        Marks.TryGetValue(node, out var m) && m.Inputs is { } inputs ? inputs : node.Inputs;

    /// <summary>The hand-written rule of a custom-gradient marker, or null.</summary>
    public static GradientRule? CustomRule(Node node) => Marks.TryGetValue(node, out var m) ? m.Rule : null;
}
