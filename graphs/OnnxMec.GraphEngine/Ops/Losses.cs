namespace OnnxMec.GraphEngine;

public sealed partial class GraphBuilder
{
    /// <summary>
    /// Mean softmax cross-entropy of scores [N, C] against int64 labels [N] (ONNX
    /// SoftmaxCrossEntropyLoss, reduction "mean"). The node also yields log-probabilities, which
    /// its gradient reuses.
    /// </summary>
    public Value SoftmaxCrossEntropy(Value scores, Value labels, string? name = null)
    {
        string hint = name ?? "cross_entropy";
        if (scores.Rank != 2) throw Misfit("SoftmaxCrossEntropyLoss", hint, $"scores '{scores.Name}' must be [N,C], got {scores.Shape}");
        if (labels.DType != DType.Int64 || labels.Rank != 1 || labels.Shape[0] != scores.Shape[0])
            throw Misfit("SoftmaxCrossEntropyLoss", hint, $"labels '{labels.Name}' must be int64 [{scores.Shape[0]}], got {labels.DType.OnnxName()}{labels.Shape}");
        return Emit("SoftmaxCrossEntropyLoss", [scores, labels], [(scores.DType, Shape.Scalar), (scores.DType, scores.Shape)],
            n => n.SetAttribute("reduction", "mean"), hint)[0];
    }
}
