using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Onnx;

namespace OnnxMec.Runtime;

/// <summary>
/// Tensors allocated through ONNX Runtime's allocator for the device the sessions run on (CUDA
/// memory on CUDA, ORT's CPU allocator on the CPU), which the host never addresses: every copy
/// between the host and this memory is a run of a one-node Identity graph on the same device, with
/// the host array on one side and the device tensor on the other, so ORT moves the bytes with its
/// own transfers. The same code runs on both devices; on the CPU the tests run it.
/// </summary>
internal sealed class DeviceTensorMemory : TensorMemory
{
    private const string In = "x", Out = "y";

    private readonly OrtMemoryInfo _info;
    private readonly InferenceSession _copy;
    private readonly OrtAllocator _allocator;
    private readonly RunOptions _run = new();

    public DeviceTensorMemory(SessionFactory factory)
    {
        _info = factory.DeviceMemoryInfo();
        _copy = factory.OpenForCopies(IdentityModel(), "the state copy graph");
        try
        {
            // The copy session's own allocator for the device: it exists once the session does.
            _allocator = new OrtAllocator(_copy, _info);
        }
        catch
        {
            _copy.Dispose();
            _info.Dispose();
            _run.Dispose();
            throw;
        }
    }

    public override OrtValue Allocate(long[] shape) => OrtValue.CreateAllocatedTensorValue(_allocator, TensorElementType.Float, shape);

    public override void Write(float[] source, OrtValue target)
    {
        long[] shape = target.GetTensorTypeAndShape().Shape;
        using var host = OrtValue.CreateTensorValueFromMemory(source, shape);
        _copy.Run(_run, [In], [host], [Out], [target]);
    }

    public override float[] Read(OrtValue source)
    {
        long[] shape = source.GetTensorTypeAndShape().Shape;
        var data = new float[ElementCount(shape)];
        using var host = OrtValue.CreateTensorValueFromMemory(data, shape);
        _copy.Run(_run, [In], [source], [Out], [host]);
        return data;
    }

    /// <summary>Values allocated here must be disposed first: the allocator belongs to the copy session.</summary>
    public override void Dispose()
    {
        _allocator.Dispose();
        _copy.Dispose();
        _info.Dispose();
        _run.Dispose();
    }

    /// <summary>y = Identity(x) for float tensors of any rank (no shape declared, so one session copies every tensor).</summary>
    private static byte[] IdentityModel()
    {
        static ValueInfoProto Float(string name) => new()
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
        };
        var graph = new GraphProto { Name = "copy" };
        graph.Input.Add(Float(In));
        graph.Output.Add(Float(Out));
        graph.Node.Add(new NodeProto { OpType = "Identity", Name = "copy", Input = { In }, Output = { Out } });
        var model = new ModelProto { IrVersion = 8, ProducerName = "OnnxMec", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 18 });
        return model.ToByteArray();
    }
}
