namespace OnnxMec.GraphEngine;

/// <summary>
/// Reverse-mode automatic differentiation over a built graph. Walks the nodes that lie between
/// the wrt values and the loss in reverse build order, asks each op's rule for the gradients of its
/// inputs, and sums gradients that meet at a value. Nodes off those paths get no backward nodes.
/// </summary>
public static class Autodiff
{
    /// <summary>
    /// Appends the backward pass of <paramref name="loss"/> and returns d loss / d w for each w,
    /// shaped like w (zeros where w does not reach the loss). A non-scalar loss is seeded with ones.
    /// </summary>
    public static Value[] Gradients(Value loss, IReadOnlyList<Value> wrt, GradientRules? rules = null)
    {
        var g = loss.Graph;
        rules ??= GradientRules.Default;

        var fromWrt = new HashSet<Value>(wrt);
        foreach (var node in g.Nodes)
            if (!GradientMarkers.StopsGradient(node) && GradientMarkers.DifferentiableInputs(node).Any(i => i is not null && fromWrt.Contains(i)))
                foreach (var o in node.Outputs.Where(o => o.DType.IsFloating())) fromWrt.Add(o);

        var toLoss = new HashSet<Value> { loss };
        for (int k = g.Nodes.Count - 1; k >= 0; k--)
            if (g.Nodes[k].Outputs.Any(toLoss.Contains))
                foreach (var i in GradientMarkers.DifferentiableInputs(g.Nodes[k])) if (i is not null) toLoss.Add(i);

        bool Active(Value v) => fromWrt.Contains(v) && toLoss.Contains(v);
        var contributions = new Dictionary<Value, List<Value>>();
        var nodes = g.Nodes.ToArray();

        using (g.Scope("grad"))
        {
            contributions[loss] = [g.Filled(loss, 1)];
            for (int k = nodes.Length - 1; k >= 0; k--)
            {
                var node = nodes[k];
                if (GradientMarkers.StopsGradient(node) || !node.Outputs.Any(Active)) continue;
                var inputs = GradientMarkers.DifferentiableInputs(node);
                var needs = inputs.Select(i => i is not null && Active(i)).ToArray();
                if (!needs.Any(n => n)) continue;
                var outputGrads = node.Outputs.Select(o => Total(g, contributions, o)).ToArray();
                if (outputGrads.All(d => d is null)) continue;

                var rule = GradientMarkers.CustomRule(node) ?? rules.For(node.OpType)
                    ?? throw new GraphBuildException($"{node}: no gradient rule for {node.OpType} (needed for the gradient of '{loss.Name}')");
                Value?[] inputGrads;
                using (g.Scope(node.Name)) inputGrads = rule(new GradientContext(g, node, inputs, outputGrads, needs));

                for (int i = 0; i < needs.Length; i++)
                {
                    if (!needs[i] || i >= inputGrads.Length || inputGrads[i] is not { } d) continue;
                    var x = inputs[i]!;
                    if (!d.Shape.Equals(x.Shape) || d.DType != x.DType)
                        throw new GraphBuildException($"{node}: gradient rule gave {d.DType.OnnxName()}{d.Shape} for input '{x.Name}' {x.DType.OnnxName()}{x.Shape}");
                    if (!contributions.TryGetValue(x, out var list)) contributions[x] = list = [];
                    list.Add(d);
                }
            }
            return wrt.Select(w => Total(g, contributions, w) ?? g.ZerosLike(w)).ToArray();
        }
    }

    /// <summary>The summed gradient of a value, emitted once and remembered.</summary>
    private static Value? Total(GraphBuilder g, Dictionary<Value, List<Value>> contributions, Value v)
    {
        if (!contributions.TryGetValue(v, out var list)) return null;
        if (list.Count > 1)
        {
            var sum = g.Sum(list, "accumulate");
            list.Clear();
            list.Add(sum);
        }
        return list[0];
    }
}
