using System.Runtime.Intrinsics.X86;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using OnnxMec.Graphs;
using OnnxMec.Contract;

namespace OnnxMec.Runtime.Tests;

public class BlockedConvTests
{
    [Test]
    public void The_probe_finds_the_block_of_this_cpu()
    {
        if (Avx512F.IsSupported) Assert.That(BlockedConvSupport.BlockSize, Is.EqualTo(16));
        else if (Avx2.IsSupported) Assert.That(BlockedConvSupport.BlockSize, Is.EqualTo(8));
        else Assert.That(BlockedConvSupport.BlockSize, Is.AnyOf(0, 4, 8, 16));
    }

    [Test]
    public void Rewritten_convolutions_compute_what_the_plain_ones_do_and_others_are_left_alone()
    {
        int block = BlockedConvSupport.BlockSize;
        Assume.That(block, Is.GreaterThan(0), "this CPU build of ONNX Runtime has no blocked kernels");
        var g = new GraphBuilder("convs");
        var x = g.Input("x", DType.Float, new Shape(Dim.Sym("N"), 2 * block, 9, 9));
        var w1 = g.Input("w1", DType.Float, Shape.Of(4 * block, 2 * block, 3, 3));
        var b1 = g.Input("b1", DType.Float, Shape.Of(4 * block));
        var w2 = g.Input("w2", DType.Float, Shape.Of(block, 4 * block, 1, 1));
        var grey = g.Input("grey", DType.Float, new Shape(Dim.Sym("N"), 3, 5, 5));
        var w3 = g.Input("w3", DType.Float, Shape.Of(block, 3, 3, 3));
        var y1 = g.Conv(x, w1, b1, stride: 2, pad: 1);
        g.Output(g.Conv(y1, w2, null), "y2");
        g.Output(y1, "y1");
        g.Output(g.Conv(grey, w3, null, pad: 1), "y3");
        byte[] plain = ModelWriter.ToBytes(g);

        byte[] blocked = BlockedConvRewrite.Rewrite(plain, block, out int rewritten);
        Assert.That(rewritten, Is.EqualTo(2), "the 3-channel convolution keeps the plain kernel");

        var inputs = new Dictionary<string, (float[] Data, long[] Shape)>
        {
            ["x"] = (Random(1, 3 * 2 * block * 81), [3, 2 * block, 9, 9]),
            ["w1"] = (Random(2, 4 * block * 2 * block * 9), [4 * block, 2 * block, 3, 3]),
            ["b1"] = (Random(3, 4 * block), [4 * block]),
            ["w2"] = (Random(4, block * 4 * block), [block, 4 * block, 1, 1]),
            ["grey"] = (Random(5, 3 * 3 * 25), [3, 3, 5, 5]),
            ["w3"] = (Random(6, block * 27), [block, 3, 3, 3]),
        };
        var expected = Run(plain, inputs);
        var actual = Run(blocked, inputs);
        foreach (var name in new[] { "y1", "y2", "y3" })
            Assert.That(actual[name], Is.EqualTo(expected[name]).Within(1e-4), name);
    }

    [Test]
    public void Training_with_blocked_convolutions_follows_the_plain_graphs()
    {
        Assume.That(BlockedConvSupport.BlockSize, Is.GreaterThan(0), "this CPU build of ONNX Runtime has no blocked kernels");
        string folder = Fixtures.TinySetFolder();
        try
        {
            var set = ArtifactSetFolder.Open(folder);
            BlockedConvRewrite.Rewrite(File.ReadAllBytes(set.GraphPath("train_step")), BlockedConvSupport.BlockSize, out int rewritten);
            Assert.That(rewritten, Is.GreaterThan(0), "the tiny set's 16- and 32-channel stages are rewritten");
            using var blocked = TrainingSession.Create(set, new SessionFactory(new RuntimeOptions { Threads = 1, BlockedConv = true }));
            using var plain = TrainingSession.Create(set, new SessionFactory(new RuntimeOptions { Threads = 1, BlockedConv = false }));
            // One step: forward, backward, SGD and EMA through every rewritten convolution. Only the
            // summation order differs, so the loss and the new state agree to float32 rounding (later
            // steps amplify such differences through the tiny batch's BatchNorm, so one is compared).
            var (v1, v2) = Fixtures.Views(0);
            var a = blocked.Step(v1, v2, Fixtures.Batch, Fixtures.Scalars);
            var b = plain.Step(v1, v2, Fixtures.Batch, Fixtures.Scalars);
            Assert.That(a.Loss, Is.EqualTo(b.Loss).Within(1e-6));
            var x = blocked.GetState();
            var y = plain.GetState();
            for (int i = 0; i < x.Count; i++)
            {
                float[] expected = y[i].AsFloat32();
                double scale = expected.Max(v => Math.Abs(v));
                Assert.That(x[i].AsFloat32(), Is.EqualTo(expected).Within(1e-6 + 1e-4 * scale), x[i].Name);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public void A_step_of_resnet18_mini_differs_from_the_plain_one_only_where_a_relu_input_rounds_across_zero()
    {
        // The shipped network, where odd sizes (28 → 14 → 7) meet stride-2 convolutions and every
        // stage but the 1-channel stem is rewritten: one step at lr 0.6, with
        // every intermediate tensor exposed. The two steps' updates differ by ~0.3 % (2 % in
        // layer3.1.conv1.weight), not by float32 rounding (~1e-5): a ReLU whose output is exactly 0
        // on one side and 6e-8 or 2e-6 on the other passes its gradient on one side only, and BatchNorm's
        // backward spreads that one element over the layer and everything before it. That is the
        // derivative of ReLU at 0, not the kernels: each convolution, forward and backward, gives what
        // the plain one gives on the same inputs to rounding, and every mask that differs sits at 0.
        Assume.That(BlockedConvSupport.BlockSize, Is.GreaterThan(0), "this CPU build of ONNX Runtime has no blocked kernels");
        var config = ArtifactPresets.All["resnet18-mini"];
        string folder = Directory.CreateTempSubdirectory("onnxmec-mini-").FullName;
        try
        {
            ArtifactSetBuilder.Build("resnet18-mini", config).WriteTo(folder);
            var set = ArtifactSetFolder.Open(folder);
            var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(set.GraphPath(ArtifactNames.TrainStep)));
            var graph = model.Graph;
            var outputs = graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var info in graph.ValueInfo.Where(v => v.Type?.TensorType?.ElemType == (int)TensorProto.Types.DataType.Float && !outputs.Contains(v.Name)).ToList())
                graph.Output.Add(info.Clone());
            byte[] exposed = model.ToByteArray();

            const int batch = 32;
            var first = Fixtures.Images(11, batch, config);
            var second = first.Zip(Fixtures.Images(12, batch, config), (a, b) => a + 0.3f * b).ToArray();
            var weights = set.InitialOnlineWeights().ToDictionary(t => t.Name, t => t.AsFloat32());
            var inputs = new Dictionary<string, (float[] Data, long[] Shape)>(StringComparer.Ordinal);
            foreach (var input in graph.Input)
            {
                long[] shape = input.Type.TensorType.Shape.Dim.Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? d.DimValue : batch).ToArray();
                int count = (int)shape.Aggregate(1L, (a, b) => a * b);
                string online = input.Name.StartsWith("target.", StringComparison.Ordinal) ? input.Name["target.".Length..] : input.Name;
                float[] data = input.Name switch
                {
                    ArtifactNames.View1 => first,
                    ArtifactNames.View2 => second,
                    ArtifactNames.Lr => [0.6f],
                    MecObjective.LambdaInv => [batch],
                    ArtifactNames.EmaMomentum => [0.996f],
                    _ when weights.TryGetValue(online, out var w) => w,
                    _ when input.Name.EndsWith("running_var", StringComparison.Ordinal) => Enumerable.Repeat(1f, count).ToArray(),
                    _ => new float[count], // momenta and running means
                };
                inputs[input.Name] = (data, shape);
            }
            var plain = RunWith(exposed, inputs, blockedConv: false);
            var blocked = RunWith(exposed, inputs, blockedConv: true);

            double Difference(string name) => plain.TryGetValue(name, out var p) && blocked.TryGetValue(name, out var q) && p.Length > 0
                ? p.Zip(q).Max(t => Math.Abs(t.First - t.Second)) / Math.Max(p.Max(v => Math.Abs(v)), 1e-30)
                : 0;
            Assert.That(blocked[ArtifactNames.Loss][0], Is.EqualTo(plain[ArtifactNames.Loss][0]).Within(1e-5 * Math.Abs(plain[ArtifactNames.Loss][0])));

            // No convolution adds more than rounding to what its inputs already carry.
            var convs = graph.Node.Where(n => n.OpType == "Conv").ToList();
            Assert.That(convs.Count(n => n.Name.Contains("grad.", StringComparison.Ordinal)), Is.GreaterThan(0), "backward convolutions are checked too");
            foreach (var conv in convs)
            {
                double incoming = conv.Input.Max(Difference), added = Difference(conv.Output[0]);
                Assert.That(added, Is.LessThanOrEqualTo(Math.Max(1e-5, 30 * incoming)), $"{conv.Name}: {added:E1} of its scale from inputs {incoming:E1} off");
            }

            // Every ReLU mask (output > 0) that differs is at an output that is 0 on one side and a
            // rounding error above it on the other.
            int flipped = 0;
            foreach (var mask in graph.Node.Where(n => n.OpType == "Greater" && n.Name.Contains(".relu.", StringComparison.Ordinal)))
            {
                float[] p = plain[mask.Input[0]], q = blocked[mask.Input[0]];
                double scale = p.Max(v => Math.Abs(v));
                for (int i = 0; i < p.Length; i++)
                    if (p[i] > 0 != q[i] > 0)
                    {
                        flipped++;
                        Assert.That(Math.Max(p[i], q[i]), Is.LessThanOrEqualTo(1e-5 * scale), $"{mask.Input[0]}[{i}]: {p[i]} against {q[i]}");
                    }
            }
            TestContext.Out.WriteLine($"ReLU masks that differ: {flipped}");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static Dictionary<string, float[]> RunWith(byte[] model, Dictionary<string, (float[] Data, long[] Shape)> inputs, bool blockedConv)
    {
        using var session = new SessionFactory(new RuntimeOptions { Threads = 1, BlockedConv = blockedConv }).Open(model, "train_step with every tensor exposed");
        return Run(session, inputs);
    }

    private static float[] Random(int seed, int count)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
    }

    private static Dictionary<string, float[]> Run(byte[] model, Dictionary<string, (float[] Data, long[] Shape)> inputs)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        using var session = new InferenceSession(model, options);
        return Run(session, inputs);
    }

    private static Dictionary<string, float[]> Run(InferenceSession session, Dictionary<string, (float[] Data, long[] Shape)> inputs)
    {
        var values = inputs.Select(i => OrtValue.CreateTensorValueFromMemory(i.Value.Data, i.Value.Shape)).ToList();
        try
        {
            using var run = new RunOptions();
            var names = session.OutputNames.ToArray();
            using var outputs = session.Run(run, inputs.Keys.ToArray(), values, names);
            return names.Select((n, k) => (n, outputs[k].GetTensorDataAsSpan<float>().ToArray())).ToDictionary(p => p.n, p => p.Item2);
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }
}
