using OnnxMec.GraphEngine;

namespace OnnxMec.Graphs;

/// <summary>
/// MEC's projector and predictor, named as in the reference code: the projector replaces the
/// ResNet's fc (keys "fc.0.weight", "fc.1.running_mean", …), the predictor is its own module.
/// </summary>
public static class Heads
{
    /// <summary>
    /// Linear(no bias)-BN-ReLU for each hidden size, then Linear(no bias)-BN(affine=False) to the
    /// last size. The reference's last Linear keeps a frozen bias; a BN follows it, so it has no
    /// effect and is left out.
    /// </summary>
    public static Value Projector(ModelWeights w, Value features, IReadOnlyList<int> dims)
    {
        var g = w.G;
        using var _ = w.Module("fc");
        var h = features;
        for (int i = 0; i < dims.Count; i++)
        {
            bool last = i == dims.Count - 1;
            h = Layers.LinearBn(w, $"{3 * i}", $"{3 * i + 1}", h, dims[i], affine: !last);
            if (!last) h = g.Relu(h);
        }
        return h;
    }

    /// <summary>Linear(d, hidden, no bias)-BN-ReLU-Linear(hidden, d).</summary>
    public static Value Predictor(ModelWeights w, Value z, long hidden)
    {
        using var _ = w.Module("predictor");
        long d = z.Shape[1].Size;
        var h = w.G.Relu(Layers.LinearBn(w, "0", "1", z, hidden));
        return Layers.Linear(w, "3", h, d);
    }
}
