namespace OnnxMec.Runtime;

/// <summary>Where a training session keeps its state (parameters, target, momenta, BN statistics) and gradients.</summary>
public enum StateMemory
{
    /// <summary>
    /// Pinned managed arrays, read and written in place: the CPU's default. On CUDA every run would
    /// copy the whole state to the device and back.
    /// </summary>
    Managed,

    /// <summary>
    /// Memory from ONNX Runtime's allocator for the session's device, copied to and from the host
    /// only for checkpoints, weights and export: CUDA's default. On the CPU it runs the same code
    /// with ORT's CPU allocator, which is how the CUDA path is tested without a GPU.
    /// </summary>
    Device,
}
