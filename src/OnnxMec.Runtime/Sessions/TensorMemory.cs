using Microsoft.ML.OnnxRuntime;

namespace OnnxMec.Runtime;

/// <summary>
/// Where the tensors that outlive a run (state, gradients) are kept, and the only way the host
/// reads or writes them. Every graph binds the OrtValues it allocates; nothing else touches their
/// memory, so the state can live on a device the host cannot address.
/// </summary>
internal abstract class TensorMemory : IDisposable
{
    /// <summary>The memory a session factory's training sessions use (<see cref="SessionFactory.StateMemory"/>).</summary>
    public static TensorMemory For(SessionFactory factory) => factory.StateMemory switch
    {
        StateMemory.Managed => new ManagedTensorMemory(),
        StateMemory.Device => new DeviceTensorMemory(factory),
        var other => throw new ArgumentOutOfRangeException(nameof(factory), other, "unknown state memory"),
    };

    /// <summary>A float32 tensor of this shape; its contents are undefined until written.</summary>
    public abstract OrtValue Allocate(long[] shape);

    /// <summary>Copies host values into a tensor of this memory (as many values as it holds).</summary>
    public abstract void Write(float[] source, OrtValue target);

    /// <summary>A host copy of a tensor of this memory.</summary>
    public abstract float[] Read(OrtValue source);

    public virtual void Dispose() { }

    protected static long ElementCount(long[] shape) => shape.Aggregate(1L, (a, b) => a * b);
}
