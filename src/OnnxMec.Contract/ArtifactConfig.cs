using System.Text.Json.Serialization;

namespace OnnxMec.Contract;

/// <summary>
/// Everything an artifact set is built from. The graphs depend only on these values, so equal
/// configs give byte-identical files. Schedules (lr, lambda, EMA momentum) are not here: they enter
/// the graphs as runtime scalars.
/// </summary>
public sealed record ArtifactConfig
{
    /// <summary>The backbone, by the name it is registered under (resnet18, resnet34, resnet50).</summary>
    public string Arch { get; init; } = "resnet18";

    /// <summary>The self-supervised loss, by the name it is registered under (mec).</summary>
    public string Loss { get; init; } = "mec";

    /// <summary>ResNet: "imagenet" (7×7 stride-2 conv and max-pool) or "cifar" (3×3 stride-1 conv, no max-pool).</summary>
    public string Stem { get; init; } = "cifar";

    /// <summary>Multiplies every stage width (64, 128, 256, 512).</summary>
    public double Width { get; init; } = 1.0;

    public int ImageSize { get; init; } = 32;
    public int Channels { get; init; } = 3;

    /// <summary>Zero-initialise the last BN γ of each residual block, as the reference does.</summary>
    public bool ZeroInitResidual { get; init; } = true;

    /// <summary>Output sizes of the projector's linear layers; the last is the embedding dim d.
    /// Hidden layers are Linear-BN-ReLU, the last Linear-BN(affine=False).</summary>
    public int[] ProjectorDims { get; init; } = [2048, 2048];

    /// <summary>Hidden size of the predictor Linear(d, h)-BN-ReLU-Linear(h, d).</summary>
    public int PredictorHidden { get; init; } = 512;

    /// <summary>MEC: Taylor order n of the loss (1–8).</summary>
    public int Order { get; init; } = 4;

    /// <summary>MEC: "batch" (m×m) or "feature" (d×d) form of the loss; equal in exact arithmetic.</summary>
    public string Form { get; init; } = "batch";

    /// <summary>MEC: power-iteration steps of the spectral-norm estimate of C.</summary>
    public int PowerIterations { get; init; } = 10;

    /// <summary>"sgd" or "lars".</summary>
    public string Optimizer { get; init; } = "sgd";
    public double Momentum { get; init; } = 0.9;
    public double WeightDecay { get; init; } = 1e-5;
    public bool Nesterov { get; init; }
    public double TrustCoefficient { get; init; } = 0.001;

    /// <summary>LARS only: BN and bias parameters (1-D) get neither weight decay nor trust-ratio scaling.</summary>
    public bool LarsExcludeBiasAndNorm { get; init; } = true;

    /// <summary>Seed of the initial weights.</summary>
    public int Seed { get; init; }

    [JsonIgnore]
    public int EmbeddingDim => ProjectorDims[^1];

    /// <summary>
    /// Every invalid field that any model shares, each with what was expected; empty when valid. The
    /// backbone and the loss check the fields that are theirs (arch, stem; loss, order, form) when a
    /// set is built.
    /// </summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!(Width > 0) || Width > 16) errors.Add($"width: {Width} must be in (0, 16]");
        if (ImageSize < 8) errors.Add($"image_size: {ImageSize} must be at least 8");
        if (Channels < 1) errors.Add($"channels: {Channels} must be at least 1");
        if (ProjectorDims.Length < 1 || ProjectorDims.Any(d => d < 1)) errors.Add($"projector_dims: [{string.Join(",", ProjectorDims)}] must be one or more positive sizes");
        if (PredictorHidden < 1) errors.Add($"predictor_hidden: {PredictorHidden} must be positive");
        if (!(Momentum is >= 0 and < 1)) errors.Add($"momentum: {Momentum} must be in [0, 1)");
        if (!(WeightDecay >= 0) || double.IsInfinity(WeightDecay)) errors.Add($"weight_decay: {WeightDecay} must not be negative");
        if (!(TrustCoefficient > 0) || double.IsInfinity(TrustCoefficient)) errors.Add($"trust_coefficient: {TrustCoefficient} must be positive");
        return errors;
    }
}
