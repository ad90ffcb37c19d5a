using OnnxMec.Graphs;

namespace OnnxMec.Runtime.Tests.DataParallel;

public class DataParallelStepTests
{
    private string _folder = "";

    [SetUp]
    public void CreateSet() => _folder = Fixtures.TinySetFolder();

    [TearDown]
    public void RemoveSet() => Directory.Delete(_folder, recursive: true);

    private TrainingSession Open(StateMemory memory = StateMemory.Managed) => TrainingSession.Create(ArtifactSetFolder.Open(_folder), Fixtures.Cpu(memory: memory));

    [Test]
    public void The_split_graphs_of_a_group_of_one_equal_the_fused_step([Values] StateMemory memory)
    {
        // In device memory the gradients are staged through the host for the all-reduce.
        using var fused = Open();
        using var split = Open(memory);
        var group = new ThreadGroup(1).Members[0];
        for (int step = 0; step < 3; step++)
        {
            var (v1, v2) = Fixtures.Views(step);
            var a = fused.Step(v1, v2, Fixtures.Batch, Fixtures.Scalars);
            var b = split.SplitStep(v1, v2, Fixtures.Batch, Fixtures.Scalars, group);
            Assert.That(b.Values.Keys, Is.EquivalentTo(a.Values.Keys));
            foreach (var (name, value) in a.Values) Assert.That(b[name], Is.EqualTo(value).Within(1e-5 + 1e-4 * Math.Abs(value)), $"step {step}: {name}");
        }
        var x = fused.GetState();
        var y = split.GetState();
        for (int i = 0; i < x.Count; i++)
        {
            var expected = x[i].AsFloat32();
            double scale = expected.Max(v => Math.Abs((double)v)) + 1e-6;
            Assert.That(y[i].AsFloat32(), Is.EqualTo(expected).Within(1e-4 * scale), x[i].Name);
        }
    }

    [Test]
    public void Two_processes_compute_the_one_loss_of_the_global_batch_and_keep_identical_state([Values] StateMemory memory)
    {
        var (v1, v2) = Fixtures.Views(0);
        int half = Fixtures.Batch / 2, per = v1.Length / Fixtures.Batch;
        var group = new ThreadGroup(2);
        var sessions = new[] { Open(memory), Open(memory) };
        try
        {
            var metrics = group.Run(g => sessions[g.Rank].SplitStep(v1[(g.Rank * half * per)..((g.Rank + 1) * half * per)], v2[(g.Rank * half * per)..((g.Rank + 1) * half * per)],
                half, Fixtures.Scalars, g));
            Assert.That(metrics[1].Values, Is.EqualTo(metrics[0].Values), "every process reports the same global loss");

            // The loss of the gathered global batch, in double precision from the embeddings the loss graph read.
            double[,] Gathered(string name)
            {
                var flat = sessions[0].Gathered(name, Fixtures.Batch);
                int d = flat.Length / Fixtures.Batch;
                var m = new double[Fixtures.Batch, d];
                for (int i = 0; i < Fixtures.Batch; i++)
                    for (int j = 0; j < d; j++) m[i, j] = flat[i * d + j];
                return m;
            }
            double expected = MecReference.Loss(Gathered("p1"), Gathered("p2"), Gathered("z1"), Gathered("z2"), Fixtures.Scalars[MecObjective.LambdaInv], Fixtures.TinyConfig.Order);
            Assert.That(metrics[0].Loss, Is.EqualTo(expected).Within(1e-5 + 1e-4 * Math.Abs(expected)));
            Assert.That(sessions[1].StateChecksum(), Is.EqualTo(sessions[0].StateChecksum()), "the state stays identical on both processes");
            Assert.That(sessions[0].GetState().Single(t => t.Name == "conv1.weight").AsFloat32(),
                Is.Not.EqualTo(Open().GetState().Single(t => t.Name == "conv1.weight").AsFloat32()), "the step changed the weights");
        }
        finally
        {
            foreach (var s in sessions) s.Dispose();
        }
    }
}
