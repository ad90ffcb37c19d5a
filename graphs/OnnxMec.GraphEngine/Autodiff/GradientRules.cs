namespace OnnxMec.GraphEngine;

/// <summary>
/// Computes the gradients of a node's inputs from the gradients of its outputs; returns one entry
/// per input, null where the input needs none.
/// </summary>
public delegate Value?[] GradientRule(GradientContext c);

/// <summary>
/// The table of gradient rules, one per ONNX op. Adding an op to autodiff is one row here.
/// Composites built from these ops are differentiated through them, except where a hand-written
/// rule is measurably better; such a rule is attached where the composite is built
/// (<see cref="GradientMarkers.CustomGradient"/>), and these are all of them:
/// <list type="bullet">
/// <item>BatchNorm in training mode: <c>Composites/BatchNormalization.cs</c>, <c>BatchNormalization.Train</c>
/// (closed form, no x̂ materialised).</item>
/// </list>
/// </summary>
public sealed class GradientRules
{
    private readonly Dictionary<string, GradientRule> _rules;

    private GradientRules(Dictionary<string, GradientRule> rules) => _rules = rules;

    public static GradientRules Default { get; } = new(new Dictionary<string, GradientRule>(StringComparer.Ordinal)
    {
        ["Identity"] = ElementwiseRules.Identity,
        ["Cast"] = ElementwiseRules.Cast,
        ["Neg"] = ElementwiseRules.Neg,
        ["Relu"] = ElementwiseRules.Relu,
        ["Sqrt"] = ElementwiseRules.Sqrt,
        ["Exp"] = ElementwiseRules.Exp,
        ["Log"] = ElementwiseRules.Log,
        ["Pow"] = ElementwiseRules.Pow,
        ["Add"] = ElementwiseRules.Add,
        ["Sub"] = ElementwiseRules.Sub,
        ["Mul"] = ElementwiseRules.Mul,
        ["Div"] = ElementwiseRules.Div,
        ["Sum"] = ElementwiseRules.Sum,
        ["Max"] = ElementwiseRules.Max,
        ["Min"] = ElementwiseRules.Min,
        ["Clip"] = ElementwiseRules.Clip,
        ["Where"] = ElementwiseRules.Where,
        ["MatMul"] = LinearAlgebraRules.MatMul,
        ["Gemm"] = LinearAlgebraRules.Gemm,
        ["Conv"] = ConvolutionRules.Conv,
        ["MaxPool"] = ConvolutionRules.MaxPool,
        ["AveragePool"] = ConvolutionRules.AveragePool,
        ["GlobalAveragePool"] = ConvolutionRules.GlobalAveragePool,
        ["Reshape"] = ShapingRules.ReshapeBack,
        ["Flatten"] = ShapingRules.ReshapeBack,
        ["Squeeze"] = ShapingRules.ReshapeBack,
        ["Unsqueeze"] = ShapingRules.ReshapeBack,
        ["Transpose"] = ShapingRules.Transpose,
        ["Concat"] = ShapingRules.Concat,
        ["Split"] = ShapingRules.Split,
        ["Slice"] = ShapingRules.Slice,
        ["Expand"] = ShapingRules.Expand,
        ["ReduceSum"] = ReductionRules.ReduceSum,
        ["ReduceMean"] = ReductionRules.ReduceMean,
        ["ReduceSumSquare"] = ReductionRules.ReduceSumSquare,
        ["SoftmaxCrossEntropyLoss"] = LossRules.SoftmaxCrossEntropyLoss,
    });

    public GradientRule? For(string opType) => _rules.GetValueOrDefault(opType);

    public IReadOnlyCollection<string> Ops => _rules.Keys;

    /// <summary>A copy of this table with one rule replaced or added (tests, experiments).</summary>
    public GradientRules With(string opType, GradientRule rule) =>
        new(new Dictionary<string, GradientRule>(_rules, StringComparer.Ordinal) { [opType] = rule });
}
