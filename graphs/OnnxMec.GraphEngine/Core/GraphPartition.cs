namespace OnnxMec.GraphEngine;

/// <summary>A part of a built graph, to be written as a model of its own: its inputs, its nodes in build order, and its outputs.</summary>
public sealed record GraphPart(string Name, IReadOnlyList<Value> Inputs, IReadOnlyList<Node> Nodes, IReadOnlyList<Value> Outputs);

/// <summary>
/// Cuts a built graph in two where some of its inputs arrive later than the rest (an upstream
/// gradient that another process computes): the first part holds every needed node that does not
/// depend on them, the second every needed node that does. Values the second part reads from the
/// first cross the cut: outputs of the first part, inputs of the second. Constant nodes are copied
/// into whichever part reads them rather than crossing.
/// </summary>
public static class GraphPartition
{
    public static (GraphPart First, GraphPart Second, IReadOnlyList<Value> Crossing) Split(GraphBuilder g, IReadOnlyList<Value> laterInputs,
        IReadOnlyList<Value> firstOutputs, IReadOnlyList<Value> secondOutputs, string firstName, string secondName)
    {
        var later = new HashSet<Value>(laterInputs);
        var laterNodes = new HashSet<Node>();
        foreach (var node in g.Nodes)
            if (node.Inputs.Any(i => i is not null && later.Contains(i)))
            {
                laterNodes.Add(node);
                foreach (var o in node.Outputs) later.Add(o);
            }

        var secondNodes = new HashSet<Node>();
        var secondInputs = new HashSet<Value>();
        var crossing = new HashSet<Value>();
        var pending = new Stack<Value>(secondOutputs);
        var seen = new HashSet<Value>();
        foreach (var output in secondOutputs)
            if (!later.Contains(output)) throw new GraphBuildException($"graph '{g.Name}': output '{output.Name}' of the second part does not depend on the later inputs");
        while (pending.TryPop(out var v))
        {
            if (!seen.Add(v)) continue;
            var producer = v.Producer;
            if (producer is null) { secondInputs.Add(v); continue; }
            if (laterNodes.Contains(producer) || producer.OpType == "Constant")
            {
                if (secondNodes.Add(producer))
                    foreach (var input in producer.Inputs) if (input is not null) pending.Push(input);
                continue;
            }
            crossing.Add(v);
        }

        var firstNodes = new HashSet<Node>();
        var firstInputs = new HashSet<Value>();
        pending = new Stack<Value>(firstOutputs.Concat(crossing));
        seen.Clear();
        while (pending.TryPop(out var v))
        {
            if (!seen.Add(v)) continue;
            if (later.Contains(v)) throw new GraphBuildException($"graph '{g.Name}': '{v.Name}' is needed before the cut but depends on the later inputs");
            if (v.Producer is not { } producer) { firstInputs.Add(v); continue; }
            if (firstNodes.Add(producer))
                foreach (var input in producer.Inputs) if (input is not null) pending.Push(input);
        }

        var crossingInOrder = g.Nodes.SelectMany(n => n.Outputs).Where(crossing.Contains).ToList();
        var first = new GraphPart(firstName, g.Inputs.Where(firstInputs.Contains).ToList(), g.Nodes.Where(firstNodes.Contains).ToList(),
            [.. firstOutputs, .. crossingInOrder.Where(c => !firstOutputs.Contains(c))]);
        var second = new GraphPart(secondName, [.. laterInputs, .. g.Inputs.Where(i => secondInputs.Contains(i) && !laterInputs.Contains(i)), .. crossingInOrder],
            g.Nodes.Where(secondNodes.Contains).ToList(), secondOutputs);
        return (first, second, crossingInOrder);
    }
}
