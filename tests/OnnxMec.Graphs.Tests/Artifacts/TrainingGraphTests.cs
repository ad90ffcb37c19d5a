using OnnxMec.Contract;

namespace OnnxMec.Graphs.Tests.Artifacts;

public class TrainingGraphTests
{
    private const int Batch = 8;

    [Test]
    public void Training_graph_gradients_match_finite_differences_through_both_views_with_a_stop_gradient_target()
    {
        var config = TinySet.Config();
        var set = ArtifactSetBuilder.Build("tiny", config);
        using var runner = new NamedRunner(TinySet.Graph(set, "training_model"));
        var state = TrainingState.Initial(set);
        var (v1, v2) = TinySet.Views(config, Batch, 7);
        var inputs = state.With((ArtifactNames.View1, v1), (ArtifactNames.View2, v2), (MecObjective.LambdaInv, FloatTensor.Scalar(Batch)));
        var analytic = runner.Run(inputs);

        // Tensors from the backbone's last stages, the projector and the predictor: the gradient of
        // each crosses both views' forward passes. float32 throughout (ORT's Conv) with a step of
        // 1e-3: the loss (~1e-1) rounds to ~1e-8, ~1e-5 over 2h. A step can still move a
        // batch-normalised activation across a ReLU kink, which spoils that coordinate's finite
        // difference (the stem conv, with every pixel behind it, is spoiled that way too often to
        // check here; its rule is checked alone), so 90 % of coordinates must agree, not all — a
        // wrong rule puts nearly all of them off.
        string[] checkedTensors = ["layer4.0.downsample.0.weight", "layer4.1.bn2.weight", "layer3.1.bn1.bias", "fc.0.weight", "fc.3.weight", "predictor.0.weight", "predictor.3.bias"];
        var failures = new List<string>();
        int total = 0;
        const double step = 1e-3;
        foreach (string name in checkedTensors)
        {
            var data = inputs[name].Data;
            for (int i = 0; i < Math.Min(data.Length, 16); i++)
            {
                float original = data[i];
                data[i] = original + (float)step;
                double up = runner.Run(inputs, [ArtifactNames.Loss])[ArtifactNames.Loss][0];
                data[i] = original - (float)step;
                double down = runner.Run(inputs, [ArtifactNames.Loss])[ArtifactNames.Loss][0];
                data[i] = original;
                double numeric = (up - down) / (2 * step);
                double a = analytic[ArtifactNames.GradPrefix + name][i];
                total++;
                if (Math.Abs(a - numeric) > 5e-5 + 1e-2 * Math.Abs(numeric))
                    failures.Add($"{name}[{i}]: autodiff {a:G6}, finite differences {numeric:G6}");
            }
        }
        Assert.That(failures.Count, Is.LessThanOrEqualTo(total / 10), string.Join("\n", failures));
        Assert.That(analytic[ArtifactNames.GradPrefix + "predictor.3.bias"].Max(Math.Abs), Is.GreaterThan(1e-4), "the gradients are not trivially zero");
    }

    [Test]
    public void Twenty_steps_of_train_step_on_a_fixed_pair_of_batches_lower_the_loss()
    {
        var set = ArtifactSetBuilder.Build("resnet18-mini", ArtifactPresets.All["resnet18-mini"]);
        var config = set.Manifest.Config;
        using var runner = new NamedRunner(TinySet.Graph(set, "train_step"), threads: 2);
        var state = TrainingState.Initial(set);
        const int batch = 32;
        var (v1, v2) = TinySet.Views(config, batch, 11);
        var losses = new List<float>();
        for (int step = 0; step < 20; step++)
        {
            var outputs = runner.Run(state.With((ArtifactNames.View1, v1), (ArtifactNames.View2, v2), (MecObjective.LambdaInv, FloatTensor.Scalar(batch)),
                (ArtifactNames.Lr, FloatTensor.Scalar(0.05f)), (ArtifactNames.EmaMomentum, FloatTensor.Scalar(0.99f))));
            losses.Add(outputs[ArtifactNames.Loss][0]);
            Assert.That(outputs[MecObjective.SpectralNorm][0], Is.InRange(0f, 1f), "ε_d² = 1 keeps ‖C‖₂ below 1");
            state.Apply(outputs);
        }
        Assert.That(losses.All(float.IsFinite), Is.True);
        Assert.That(losses[^1], Is.LessThan(losses[0]), string.Join(", ", losses));
        Assert.That(losses.TakeLast(5).Average(), Is.LessThan(losses.Take(5).Average()), string.Join(", ", losses));
    }

    [Test]
    public void Train_step_equals_the_training_optimizer_and_ema_graphs_run_in_turn()
    {
        var config = TinySet.Config();
        var set = ArtifactSetBuilder.Build("tiny", config);
        using var fused = new NamedRunner(TinySet.Graph(set, "train_step"));
        using var training = new NamedRunner(TinySet.Graph(set, "training_model"));
        using var optimizer = new NamedRunner(TinySet.Graph(set, "optimizer_model"));
        using var ema = new NamedRunner(TinySet.Graph(set, "ema_model"));
        var (v1, v2) = TinySet.Views(config, Batch, 3);
        (string, FloatTensor)[] scalars = [(ArtifactNames.View1, v1), (ArtifactNames.View2, v2), (MecObjective.LambdaInv, FloatTensor.Scalar(Batch)),
            (ArtifactNames.Lr, FloatTensor.Scalar(0.1f)), (ArtifactNames.EmaMomentum, FloatTensor.Scalar(0.9f))];

        var one = TrainingState.Initial(set);
        var oneOut = fused.Run(one.With(scalars));
        one.Apply(oneOut);

        var split = TrainingState.Initial(set);
        var trainOut = training.Run(split.With(scalars));
        var grads = trainOut.Where(kv => kv.Key.StartsWith(ArtifactNames.GradPrefix, StringComparison.Ordinal))
            .Select(kv => (kv.Key, new FloatTensor(kv.Value, split.Values[kv.Key[ArtifactNames.GradPrefix.Length..]].Shape))).ToArray();
        split.Apply(trainOut);
        split.Apply(optimizer.Run(split.With([.. scalars, .. grads])));
        split.Apply(ema.Run(split.With(scalars)));

        Assert.That(oneOut[ArtifactNames.Loss][0], Is.EqualTo(trainOut[ArtifactNames.Loss][0]));
        foreach (var t in set.Manifest.Tensors)
            Assert.That(one.Values[t.Name].Data, Is.EqualTo(split.Values[t.Name].Data).Within(1e-6), t.Name);
    }
}
