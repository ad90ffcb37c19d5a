using Microsoft.ML.OnnxRuntime;

namespace OnnxMec.Runtime;

/// <summary>
/// Pinned managed arrays, each wrapped once as an OrtValue (which keeps it pinned and alive);
/// the host reads and writes them in place. The CPU's default.
/// </summary>
internal sealed class ManagedTensorMemory : TensorMemory
{
    public override OrtValue Allocate(long[] shape) => OrtValue.CreateTensorValueFromMemory(new float[ElementCount(shape)], shape);

    public override void Write(float[] source, OrtValue target) => source.AsSpan().CopyTo(target.GetTensorMutableDataAsSpan<float>());

    public override float[] Read(OrtValue source) => source.GetTensorDataAsSpan<float>().ToArray();
}
