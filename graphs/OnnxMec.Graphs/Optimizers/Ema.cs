using OnnxMec.GraphEngine;

namespace OnnxMec.Graphs;

/// <summary>The momentum (EMA) target update of BYOL and MEC: t ← m·t + (1 − m)·o, over parameters only.</summary>
public static class Ema
{
    public static Value Update(GraphBuilder g, Value target, Value online, Value momentum) =>
        g.Add(g.Mul(target, momentum), g.Mul(online, g.Sub(g.Scalar(1), momentum)), "ema");
}
