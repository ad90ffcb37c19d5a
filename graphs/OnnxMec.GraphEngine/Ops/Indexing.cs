namespace OnnxMec.GraphEngine;

public sealed partial class GraphBuilder
{
    /// <summary>ScatterElements along an axis; with reduction "add" repeated indices accumulate.</summary>
    public Value ScatterElements(Value data, Value indices, Value updates, int axis = 0, string reduction = "none", string? name = null)
    {
        string hint = name ?? "scatter";
        SameType("ScatterElements", hint, data, updates);
        if (!indices.Shape.Equals(updates.Shape))
            throw Misfit("ScatterElements", hint, $"indices '{indices.Name}' {indices.Shape} and updates '{updates.Name}' {updates.Shape} differ");
        return Emit("ScatterElements", [data, indices, updates], [(data.DType, data.Shape)], n =>
        {
            n.SetAttribute("axis", (long)axis);
            if (reduction != "none") n.SetAttribute("reduction", reduction);
        }, hint)[0];
    }
}
