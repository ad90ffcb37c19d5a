namespace OnnxMec.Runtime.Tests;

public class ResumeTests
{
    [Test]
    public void A_run_resumed_from_a_checkpoint_gives_bit_identical_losses([Values] StateMemory memory)
    {
        string folder = Fixtures.TinySetFolder();
        string runs = Directory.CreateTempSubdirectory("onnxmec-run-").FullName;
        try
        {
            var set = ArtifactSetFolder.Open(folder);
            var schedules = new Schedules(new ScheduleOptions { BaseLearningRate = 0.2, WarmupEpochs = 1, Epochs = 4 }, stepsPerEpoch: 3);
            var store = new CheckpointStore(runs);
            const int total = 12, checkpointAt = 7;

            var uninterrupted = new List<float>();
            using (var session = TrainingSession.Create(set, Fixtures.Cpu(threads: 2, memory: memory)))
            {
                for (int step = 0; step < total; step++)
                {
                    var (v1, v2) = Fixtures.Views(step);
                    uninterrupted.Add(session.Step(v1, v2, Fixtures.Batch, Fixtures.ScalarsAt(schedules, step)).Loss);
                    if (step + 1 == checkpointAt)
                        store.Save(session.GetState(), new CheckpointInfo(checkpointAt, 2, set.Manifest.Name, set.Hash, set.Manifest.Config, schedules.Options, 3, new DataPosition(0, 2, 1)));
                }
            }

            var checkpoint = CheckpointStore.Load(store.Newest()!);
            Assert.That(checkpoint.Info.Step, Is.EqualTo(checkpointAt));
            Assert.That(checkpoint.Info.ArtifactHash, Is.EqualTo(set.Hash));
            var resumed = new List<float>();
            using (var session = TrainingSession.Create(set, Fixtures.Cpu(threads: 2, memory: memory)))
            {
                session.SetState(checkpoint.State, checkpoint.Path);
                for (long step = checkpoint.Info.Step; step < total; step++)
                {
                    var (v1, v2) = Fixtures.Views((int)step);
                    resumed.Add(session.Step(v1, v2, Fixtures.Batch, Fixtures.ScalarsAt(schedules, step)).Loss);
                }
            }
            Assert.That(resumed, Is.EqualTo(uninterrupted.Skip(checkpointAt)), "bit-identical, not merely close");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
            Directory.Delete(runs, recursive: true);
        }
    }
}
