namespace OnnxMec.Data.Tests;

public class LoaderTests
{
    private static TwoViewLoader Loader(int workers, int seed = 3, int batch = 64, IImageDataset? data = null, bool skipBad = false)
    {
        var (v1, v2) = Recipes.Small(28, 1, [FashionMnist.Mean], [FashionMnist.Std]);
        return new TwoViewLoader(data ?? TestFiles.Fmnist.Value, v1, v2, new LoaderOptions { BatchSize = batch, Workers = workers, Seed = seed, SkipBadImages = skipBad });
    }

    private static async Task<List<(int[] Indices, float[] View1, float[] View2)>> Read(TwoViewLoader loader, int epoch, int start = 0, int take = int.MaxValue)
    {
        var batches = new List<(int[], float[], float[])>();
        await foreach (var batch in loader.ReadEpoch(epoch, start))
        {
            using (batch) batches.Add((batch.Indices[..batch.Count], batch.View1.ToArray(), batch.View2.ToArray()));
            if (batches.Count == take) break;
        }
        return batches;
    }

    [Test]
    public void An_epoch_is_a_shuffled_permutation_without_the_incomplete_last_batch()
    {
        var loader = Loader(2, batch: 96);
        Assert.That(loader.BatchesPerEpoch, Is.EqualTo(10_000 / 96));
        var order = TwoViewLoader.Order(10_000, 3, 0);
        Assert.That(order.Order(), Is.EqualTo(Enumerable.Range(0, 10_000)));
        Assert.That(order.Take(20), Is.Not.EqualTo(Enumerable.Range(0, 20)));
        Assert.That(TwoViewLoader.Order(10_000, 3, 1).Take(50), Is.Not.EqualTo(order.Take(50)), "each epoch reshuffles");
    }

    [Test]
    public async Task Batches_are_the_same_whatever_the_worker_count_and_across_runs()
    {
        var one = await Read(Loader(1), epoch: 2, take: 6);
        var two = await Read(Loader(2), epoch: 2, take: 6);
        var again = await Read(Loader(2), epoch: 2, take: 6);
        for (int k = 0; k < 6; k++)
        {
            Assert.That(two[k].Indices, Is.EqualTo(one[k].Indices));
            Assert.That(two[k].View1, Is.EqualTo(one[k].View1));
            Assert.That(again[k].View2, Is.EqualTo(two[k].View2));
        }
        Assert.That(one[0].View1, Is.Not.EqualTo(one[0].View2), "the two views differ");
    }

    [Test]
    public async Task A_stopped_epoch_resumed_at_its_next_batch_continues_with_the_same_batches()
    {
        var full = await Read(Loader(2), epoch: 1, take: 8);
        var resumed = await Read(Loader(2), epoch: 1, start: 5, take: 3);
        for (int k = 0; k < 3; k++)
        {
            Assert.That(resumed[k].Indices, Is.EqualTo(full[5 + k].Indices));
            Assert.That(resumed[k].View2, Is.EqualTo(full[5 + k].View2));
        }
    }

    [Test]
    public async Task Cancellation_stops_the_epoch_promptly()
    {
        var loader = Loader(2);
        using var cancel = new CancellationTokenSource();
        int seen = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.That(async () =>
        {
            await foreach (var batch in loader.ReadEpoch(0, 0, cancel.Token))
            {
                batch.Dispose();
                if (++seen == 3) cancel.Cancel();
            }
        }, Throws.InstanceOf<OperationCanceledException>());
        Assert.That(seen, Is.EqualTo(3));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)));
    }

    [Test]
    public async Task A_bad_image_stops_the_loader_with_its_file_name_or_is_skipped_and_counted()
    {
        string folder = TestFiles.TempFolder("bad");
        try
        {
            TestFiles.WriteImageFolder(folder, 12, classFolders: false);
            string broken = Path.Combine(folder, "00003.jpg");
            File.WriteAllText(broken, "garbage");
            var data = ImageFolderDataset.Open(folder, channels: 1);
            Assert.That(async () => await Read(Loader(1, batch: 12, data: data), 0), Throws.InstanceOf<InvalidDataException>().With.Message.Contains(broken));

            var skipping = Loader(1, batch: 12, data: data, skipBad: true);
            var batches = await Read(skipping, 0);
            Assert.That(batches.Single().Indices, Has.Length.EqualTo(12));
            Assert.That(skipping.SkippedImages, Is.EqualTo(1));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
