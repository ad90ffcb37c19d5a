using Microsoft.ML.OnnxRuntime;

namespace OnnxMec.Runtime;

/// <summary>How sessions are opened: device, threads, graph optimisation.</summary>
public sealed record RuntimeOptions
{
    public DeviceKind Device { get; init; } = DeviceKind.Cpu;

    /// <summary>Intra-op threads; 0 lets ONNX Runtime use one per core. Fix it for bit-reproducible runs.</summary>
    public int Threads { get; init; }

    public int CudaDeviceId { get; init; }

    /// <summary>Where training state lives; null: <see cref="Runtime.StateMemory.Managed"/> on the CPU, <see cref="Runtime.StateMemory.Device"/> on CUDA.</summary>
    public StateMemory? StateMemory { get; init; }

    public GraphOptimizationLevel Optimization { get; init; } = GraphOptimizationLevel.ORT_ENABLE_ALL;

    /// <summary>
    /// Let ORT's idle intra-op threads spin waiting for work. Off by default: on a few cores the
    /// spinning threads take CPU from the data loader's workers.
    /// </summary>
    public bool AllowSpinning { get; init; }

    /// <summary>
    /// On the CPU, run convolutions through ORT's blocked-layout (NCHWc) kernels by rewriting each
    /// graph as it is opened (<see cref="BlockedConvRewrite"/>). On by default; off gives the plain
    /// graphs, for comparison.
    /// </summary>
    public bool BlockedConv { get; init; } = true;

    /// <summary>
    /// ORT's memory pattern: one block planned for all of a run's intermediates. Off by default: a
    /// training step keeps many activations alive for the backward pass, and the planned block cost
    /// ~800 MiB more peak RSS than allocating from the arena as tensors are made, at the same speed
    /// (ResNet-18 CIFAR, batch 64: 2596 vs 1782 MiB; bench step).
    /// </summary>
    public bool MemoryPattern { get; init; }

    /// <summary>
    /// When set, ORT writes a per-node Chrome-trace profile of every session to files starting with
    /// this path prefix, when the session is disposed.
    /// </summary>
    public string? ProfilePrefix { get; init; }
}
