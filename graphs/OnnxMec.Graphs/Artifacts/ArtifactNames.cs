namespace OnnxMec.Graphs;

/// <summary>Names of graph inputs and outputs shared by every artifact set (see manifest.json's roles).</summary>
public static class ArtifactNames
{
    public const string View1 = "view1";
    public const string View2 = "view2";
    public const string Images = "images";
    public const string Lr = "lr";
    public const string LambdaInv = "lambda_inv";
    public const string EmaMomentum = "ema_momentum";
    public const string Loss = "loss";
    public const string CodingLength = "coding_length";
    public const string PositiveCosine = "positive_cosine";
    public const string SpectralNorm = "spectral_norm";
    public const string Features = "features";
    public const string Embedding = "embedding";

    public const string TargetPrefix = "target.";
    public const string MomentumPrefix = "momentum.";
    public const string GradPrefix = "grad.";
    public const string NewPrefix = "new.";

    public static readonly string[] GraphNames = ["training_model", "optimizer_model", "ema_model", "eval_model", "train_step"];
}
