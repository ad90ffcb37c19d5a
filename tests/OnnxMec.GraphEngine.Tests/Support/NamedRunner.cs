using Microsoft.ML.OnnxRuntime;

namespace OnnxMec.GraphEngine.Tests;

/// <summary>A float32 tensor for a named graph input or output.</summary>
internal sealed record FloatTensor(float[] Data, long[] Shape)
{
    public static FloatTensor Scalar(float v) => new([v], []);
}

/// <summary>Runs an ONNX model by input and output name, every tensor float32 (int64 where a graph asks).</summary>
internal sealed class NamedRunner : IDisposable
{
    private readonly InferenceSession _session;

    public NamedRunner(byte[] model, int threads = 1)
    {
        using var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1 };
        _session = new InferenceSession(model, options);
    }

    public IReadOnlyList<string> OutputNames => _session.OutputNames;
    public IReadOnlyList<string> InputNames => _session.InputNames;

    public Dictionary<string, float[]> Run(IReadOnlyDictionary<string, FloatTensor> inputs, IEnumerable<string>? outputs = null)
    {
        var names = _session.InputNames.ToArray();
        var values = names.Select(n => inputs.TryGetValue(n, out var t)
            ? OrtValue.CreateTensorValueFromMemory(t.Data, t.Shape)
            : throw new ArgumentException($"no value for graph input '{n}'")).ToList();
        try
        {
            var outputNames = (outputs ?? _session.OutputNames).ToArray();
            using var runOptions = new RunOptions();
            using var results = _session.Run(runOptions, names, values, outputNames);
            return outputNames.Zip(results).ToDictionary(p => p.First, p => p.Second.GetTensorDataAsSpan<float>().ToArray());
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    public void Dispose() => _session.Dispose();
}
