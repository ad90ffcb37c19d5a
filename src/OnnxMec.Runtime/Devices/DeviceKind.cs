namespace OnnxMec.Runtime;

/// <summary>Where ONNX Runtime runs the graphs.</summary>
public enum DeviceKind
{
    /// <summary>The CPU execution provider (the default).</summary>
    Cpu,
    /// <summary>The CUDA execution provider; fails with the loader's message when it cannot be used.</summary>
    Cuda,
    /// <summary>CUDA where it can be used, else the CPU with a warning.</summary>
    Auto,
}
