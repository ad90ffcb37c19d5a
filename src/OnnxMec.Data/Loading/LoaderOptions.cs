namespace OnnxMec.Data;

public sealed record LoaderOptions
{
    public int BatchSize { get; init; } = 128;

    /// <summary>Worker threads making batches; 0 means one per core.</summary>
    public int Workers { get; init; }

    /// <summary>Finished batches queued ahead of the trainer.</summary>
    public int Prefetch { get; init; } = 4;

    /// <summary>Seeds the per-epoch order and every augmentation draw.</summary>
    public int Seed { get; init; }

    /// <summary>Drop the last, incomplete batch of an epoch (the trainer's batch size is fixed).</summary>
    public bool DropLast { get; init; } = true;

    /// <summary>Skip unreadable images (counted, with a warning) instead of stopping with an error naming the file.</summary>
    public bool SkipBadImages { get; init; }

    /// <summary>
    /// Data-parallel training: every process reads the same per-epoch order and takes slice
    /// <see cref="Shard"/> of each global batch of <see cref="BatchSize"/> × <see cref="Shards"/>
    /// (as DistributedSampler: same permutation, disjoint shards, drop-last).
    /// </summary>
    public int Shard { get; init; }
    public int Shards { get; init; } = 1;

    public int EffectiveWorkers => Workers > 0 ? Workers : Environment.ProcessorCount;
}
