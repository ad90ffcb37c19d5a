using OnnxMec.Contract;
using OnnxMec.GraphEngine;
using OnnxMec.Graphs;

namespace OnnxMec.Host.FineTuning;

/// <summary>
/// The graphs of fine-tuning a backbone with a linear head for classification, built with our
/// autodiff: training (train-mode BatchNorm, softmax cross-entropy, gradients of every parameter,
/// SGD with momentum and weight decay, new BN statistics) and evaluation (eval-mode BatchNorm,
/// class scores). Parameters are graph inputs named as in the backbone ("conv1.weight", …) and
/// "head.weight"/"head.bias"; their momenta are "momentum." + name; updates "new." + name.
/// </summary>
internal sealed record ClassifierGraphs(byte[] Training, byte[] Evaluation, IReadOnlyList<ParameterSpec> Tensors)
{
    public const string Images = "images", Labels = "labels", Lr = "lr", Loss = "loss", Scores = "scores", Head = "head";

    public static ClassifierGraphs Build(ArtifactConfig config, int classes, double momentum, double weightDecay)
    {
        var backbone = Backbones.All.Get(config.Arch);
        var g = new GraphBuilder("finetune_train");
        var images = g.Input(Images, DType.Float, SiameseNetworks.ImageShape(config));
        var labels = g.Input(Labels, DType.Int64, new Shape(Dim.Sym("N")));
        var lr = g.Input(Lr, DType.Float, Shape.Scalar);
        var w = new ModelWeights(g, BnMode.Train);
        var scores = Layers.Linear(w, Head, backbone.Features(w, images, config), classes);
        var loss = g.SoftmaxCrossEntropy(scores, labels);
        var parameters = w.Specs.Where(s => s.Role == TensorRole.Param).ToList();
        var grads = Autodiff.Gradients(loss, parameters.Select(s => w.Input(s.Name)).ToList());
        g.Output(loss, Loss);
        for (int i = 0; i < parameters.Count; i++)
        {
            var spec = parameters[i];
            var buffer = g.Input(ArtifactNames.MomentumPrefix + spec.Name, DType.Float, Shape.Of(spec.Shape));
            using var _ = g.Scope("sgd." + spec.Name);
            var (param, newMomentum) = Sgd.Step(g, w.Input(spec.Name), grads[i], buffer, lr, momentum, weightDecay, nesterov: false);
            g.Output(param, ArtifactNames.NewPrefix + spec.Name);
            g.Output(newMomentum, ArtifactNames.NewPrefix + ArtifactNames.MomentumPrefix + spec.Name);
        }
        foreach (var (key, value) in w.UpdatedStats) g.Output(value, ArtifactNames.NewPrefix + key);

        var e = new GraphBuilder("finetune_eval");
        var evalImages = e.Input(Images, DType.Float, SiameseNetworks.ImageShape(config));
        var ew = new ModelWeights(e, BnMode.Eval);
        e.Output(Layers.Linear(ew, Head, backbone.Features(ew, evalImages, config), classes), Scores);
        return new ClassifierGraphs(ModelWriter.ToBytes(g), ModelWriter.ToBytes(e), w.Specs);
    }
}
