namespace OnnxMec.Contract;

/// <summary>
/// The names every artifact set gives its graphs and shared values. With <see cref="Roles"/> this is
/// the whole contract between the graphs that are built and the runtime that runs them: the runtime
/// finds state, scalars, metrics and updates by the roles manifest.json declares, and uses names only
/// to pick a graph and to tell apart the members of one role (the two views).
/// </summary>
public static class ArtifactNames
{
    public const string TrainingModel = "training_model";
    public const string OptimizerModel = "optimizer_model";
    public const string EmaModel = "ema_model";
    public const string EvalModel = "eval_model";
    public const string TrainStep = "train_step";

    /// <summary>
    /// The data-parallel step, as three graphs around the exchanges between processes: the forward
    /// pass (its shards of the embeddings are all-gathered), the loss over the global batch (its
    /// upstream gradients are sliced back to each process's rows), and the backward pass (its
    /// parameter gradients are all-reduced before optimizer_model and ema_model run).
    /// </summary>
    public const string DataParallelForward = "dp_forward";
    public const string DataParallelLoss = "dp_loss";
    public const string DataParallelBackward = "dp_backward";

    public static readonly string[] GraphNames = [TrainingModel, OptimizerModel, EmaModel, EvalModel, TrainStep, DataParallelForward, DataParallelLoss, DataParallelBackward];

    /// <summary>The online predictor's outputs (p) and the target projector's outputs (z) of the two views: what the loss reads.</summary>
    public static readonly string[] Embeddings = ["p1", "p2", "z1", "z2"];

    /// <summary>The two augmented views of a training batch, and the images of an evaluation batch.</summary>
    public const string View1 = "view1";
    public const string View2 = "view2";
    public const string Images = "images";

    /// <summary>The runtime scalars of every set: the learning rate and the EMA momentum. A loss may add its own.</summary>
    public const string Lr = "lr";
    public const string EmaMomentum = "ema_momentum";

    public const string Loss = "loss";
    public const string Features = "features";
    public const string Embedding = "embedding";

    /// <summary>Prefixes of state names: the EMA target's copy, optimizer momenta, gradients, and updated values.</summary>
    public const string TargetPrefix = "target.";
    public const string MomentumPrefix = "momentum.";
    public const string GradPrefix = "grad.";
    public const string NewPrefix = "new.";
}

/// <summary>Roles of graph inputs, outputs and state tensors, as manifest.json names them.</summary>
public static class Roles
{
    public const string Param = "param";
    public const string TargetParam = "target_param";
    public const string Momentum = "momentum";
    public const string BnStat = "bn_stat";
    public const string TargetBnStat = "target_bn_stat";
    public const string Data = "data";

    /// <summary>Runtime scalars: any role with this prefix is a float32 scalar input set for every step by the trainer's schedules.</summary>
    public const string ScalarPrefix = "scalar:";
    public const string Lr = "scalar:lr";
    public const string LambdaInv = "scalar:lambda_inv";
    public const string Ema = "scalar:ema";

    public const string Loss = "loss";
    public const string Metric = "metric";
    public const string Gradient = "gradient";
    public const string Update = "update";
    public const string Feature = "feature";
    public const string Embedding = "embedding";

    /// <summary>A forward output with the batch first, all-gathered over processes (in rank order) into the loss graph's input of the same name.</summary>
    public const string Shard = "shard";

    /// <summary>A loss-graph input that receives the gathered shards: the global batch.</summary>
    public const string Gathered = "gathered";

    /// <summary>dL/d(a gathered input): a loss-graph output whose rows for this process feed the backward graph's input of the same name.</summary>
    public const string Upstream = "upstream";

    /// <summary>A forward value the backward pass reads, handed from one graph to the other unchanged.</summary>
    public const string Saved = "saved";

    public static bool IsState(string role) => role is Param or TargetParam or Momentum or BnStat or TargetBnStat;

    /// <summary>The online network's own tensors (what an exported encoder and an import hold).</summary>
    public static bool IsOnline(string role) => role is Param or BnStat;

    public static bool IsScalar(string role) => role.StartsWith(ScalarPrefix, StringComparison.Ordinal) && role.Length > ScalarPrefix.Length;

    public static bool IsKnown(string role) =>
        IsState(role) || IsScalar(role) || role is Data or Loss or Metric or Gradient or Update or Feature or Embedding or Shard or Gathered or Upstream or Saved;

    /// <summary>Scalar outputs reported every step: the loss and the metrics.</summary>
    public static bool IsReported(string role) => role is Loss or Metric;
}
