using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace OnnxMec.Data;

/// <summary>
/// Feeds training: a per-epoch shuffle from the seed, batches made by worker threads (each view
/// of each sample drawn from (seed, epoch, sample, view) alone), handed over in order through a
/// bounded queue, in pooled pinned buffers. Any epoch can start at any batch, so a resumed run
/// sees exactly the batches it would have seen.
/// </summary>
public sealed class TwoViewLoader
{
    private readonly IImageDataset _data;
    private readonly ViewRecipe _view1, _view2;
    private readonly LoaderOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentBag<TwoViewBatch> _pool = [];
    private readonly ThreadLocal<(FloatImage Source, FloatImage A, FloatImage B)> _scratch = new(() => (new FloatImage(1, 1, 1), new FloatImage(1, 1, 1), new FloatImage(1, 1, 1)));
    private int _skipped;

    public TwoViewLoader(IImageDataset data, ViewRecipe view1, ViewRecipe view2, LoaderOptions options, ILogger? logger = null)
    {
        if (options.BatchSize < 1) throw new ArgumentException($"batch size {options.BatchSize} must be positive");
        if (options.Shards < 1 || options.Shard < 0 || options.Shard >= options.Shards)
            throw new ArgumentException($"shard {options.Shard} of {options.Shards} does not exist");
        if (data.Count < (options.DropLast || options.Shards > 1 ? options.BatchSize * options.Shards : 1))
            throw new InvalidDataException($"{data.Name}: {data.Count} images are fewer than one batch of {options.BatchSize * options.Shards}");
        _data = data;
        _view1 = view1;
        _view2 = view2;
        _options = options;
        _logger = logger ?? NullLogger.Instance;
    }

    public IImageDataset Data => _data;

    /// <summary>Batches per epoch of this process; with shards, every process has the same number (drop-last over the global batch).</summary>
    public int BatchesPerEpoch => _options.DropLast || _options.Shards > 1
        ? _data.Count / (_options.BatchSize * _options.Shards)
        : (_data.Count + _options.BatchSize - 1) / _options.BatchSize;

    /// <summary>Images skipped as unreadable so far (only with <see cref="LoaderOptions.SkipBadImages"/>).</summary>
    public int SkippedImages => Volatile.Read(ref _skipped);

    /// <summary>The sample order of an epoch: a Fisher–Yates shuffle seeded by (seed, epoch).</summary>
    public static int[] Order(int count, int seed, int epoch)
    {
        var order = Enumerable.Range(0, count).ToArray();
        var rng = new SampleRandom(seed, epoch, -1, 0);
        for (int i = count - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    /// <summary>The batches of an epoch from <paramref name="startBatch"/> on; stops cleanly when cancelled or abandoned.</summary>
    public async IAsyncEnumerable<TwoViewBatch> ReadEpoch(int epoch, int startBatch = 0, [EnumeratorCancellation] CancellationToken cancellation = default)
    {
        var order = Order(_data.Count, _options.Seed, epoch);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var queue = Channel.CreateBounded<Task<TwoViewBatch>>(new BoundedChannelOptions(Math.Max(1, _options.Prefetch)) { SingleReader = true, SingleWriter = true });
        using var workers = new SemaphoreSlim(_options.EffectiveWorkers);
        var producer = Task.Run(async () =>
        {
            try
            {
                for (int k = startBatch; k < BatchesPerEpoch; k++)
                {
                    await workers.WaitAsync(stop.Token).ConfigureAwait(false);
                    int batch = k;
                    var work = Task.Factory.StartNew(() =>
                    {
                        try { return Build(epoch, batch, order); }
                        finally { workers.Release(); }
                    }, stop.Token, TaskCreationOptions.DenyChildAttach, TaskScheduler.Default);
                    await queue.Writer.WriteAsync(work, stop.Token).ConfigureAwait(false);
                }
                queue.Writer.Complete();
            }
            catch (Exception e)
            {
                queue.Writer.Complete(e is OperationCanceledException ? null : e);
            }
        }, CancellationToken.None);

        try
        {
            await foreach (var work in queue.Reader.ReadAllAsync(cancellation).ConfigureAwait(false))
            {
                var batch = await work.ConfigureAwait(false);
                if (cancellation.IsCancellationRequested)
                {
                    batch.Dispose();
                    cancellation.ThrowIfCancellationRequested();
                }
                yield return batch;
            }
        }
        finally
        {
            stop.Cancel();
            await producer.ConfigureAwait(false);
            while (queue.Reader.TryRead(out var pending))
            {
                try { (await pending.ConfigureAwait(false)).Dispose(); }
                catch (Exception) { /* abandoned work: its error no longer matters */ }
            }
        }
    }

    private TwoViewBatch Build(int epoch, int batchIndex, int[] order)
    {
        int per1 = _view1.ElementCount, per2 = _view2.ElementCount;
        var batch = _pool.TryTake(out var pooled) ? pooled : new TwoViewBatch(_options.BatchSize, per1, per2, _pool.Add);
        var (source, a, b) = _scratch.Value;
        // With shards, global batch k is order[k·B·S, (k+1)·B·S) and this process takes its slice
        // number Shard: the same images, in the same order, as one process with batch B·S.
        int first = (batchIndex * _options.Shards + _options.Shard) * _options.BatchSize;
        int count = Math.Min(_options.BatchSize, order.Length - first);
        try
        {
            for (int i = 0; i < count; i++)
            {
                int index = ReadSample(order[first + i], source);
                var rng1 = new SampleRandom(_options.Seed, epoch, index, 1);
                _view1.Produce(source, a, b, ref rng1, batch.View1.AsSpan(i * per1, per1));
                var rng2 = new SampleRandom(_options.Seed, epoch, index, 2);
                _view2.Produce(source, a, b, ref rng2, batch.View2.AsSpan(i * per2, per2));
                batch.Indices[i] = index;
                batch.Labels[i] = _data.Label(index);
            }
        }
        catch
        {
            _pool.Add(batch);
            throw;
        }
        batch.Count = count;
        batch.Epoch = epoch;
        batch.BatchIndex = batchIndex;
        return batch;
    }

    /// <summary>Decodes a sample; a bad one is an error, or with skipping a deterministic substitute (the next readable index).</summary>
    private int ReadSample(int index, FloatImage into)
    {
        for (int attempt = 0; ; attempt++)
        {
            int candidate = (index + attempt) % _data.Count;
            try
            {
                _data.Read(candidate, into);
                return candidate;
            }
            catch (InvalidDataException e) when (_options.SkipBadImages && attempt < 16)
            {
                int skipped = Interlocked.Increment(ref _skipped);
                if (skipped <= 10) _logger.LogWarning("Skipping an unreadable image ({Count} so far): {Reason}", skipped, e.Message);
            }
        }
    }
}
