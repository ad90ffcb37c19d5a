using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;

namespace OnnxMec.Runtime;

/// <summary>
/// Opens every InferenceSession of the program (training, evaluation, probes, benchmarks) on the
/// chosen device with the same threads and CPU tuning, resolving "auto" once.
/// </summary>
public sealed class SessionFactory
{
    private const string CudaHelp =
        "CUDA needs the GPU build of ONNX Runtime (build with -p:OrtFlavor=Gpu, which references Microsoft.ML.OnnxRuntime.Gpu 1.31.0 " +
        "instead of the CPU package) and, on the library path, CUDA 13 (libcublas.so.13, libcublasLt.so.13, libcudart.so.13, libcurand.so.10) and cuDNN 9.";

    private readonly RuntimeOptions _options;
    private readonly ILogger _logger;

    public SessionFactory(RuntimeOptions options, ILogger? logger = null)
    {
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        Device = Resolve(options, _logger);
    }

    /// <summary>The device sessions actually run on (never Auto).</summary>
    public DeviceKind Device { get; }

    public int Threads => _options.Threads;

    public InferenceSession Open(string modelPath) => Open(File.ReadAllBytes(modelPath), modelPath);

    /// <summary>Opens a model held in memory; <paramref name="source"/> names it in errors.</summary>
    public InferenceSession Open(byte[] model, string source)
    {
        using var options = CreateOptions(Device);
        try
        {
            if (Device == DeviceKind.Cpu && _options.BlockedConv && BlockedConvSupport.BlockSize > 0)
            {
                model = BlockedConvRewrite.Rewrite(model, BlockedConvSupport.BlockSize, out int rewritten);
                _logger.LogDebug("{Model}: {Count} convolutions in blocked layout (block {Block})", source, rewritten, BlockedConvSupport.BlockSize);
            }
            return new InferenceSession(model, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"{source}: ONNX Runtime cannot load this model: {e.Message}", e);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"{source}: not an ONNX model ({e.Message})", e);
        }
    }

    /// <summary>
    /// A model after ONNX Runtime's basic graph optimisations (constant folding and fusions into
    /// standard operators), as model bytes; no session is kept.
    /// </summary>
    public static byte[] OptimisedModel(byte[] model, string source)
    {
        string file = Path.Combine(Path.GetTempPath(), $"onnxmec-optimised-{Environment.ProcessId}-{Guid.NewGuid():N}.onnx");
        try
        {
            using (var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_BASIC, OptimizedModelFilePath = file, IntraOpNumThreads = 1 })
            using (new InferenceSession(model, options)) { }
            return File.ReadAllBytes(file);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"{source}: ONNX Runtime cannot optimise this model: {e.Message}", e);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private SessionOptions CreateOptions(DeviceKind device)
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = _options.Optimization,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            InterOpNumThreads = 1,
            // ORT's warnings are about its own graph rewrites (an Unsqueeze it could not remove); they are not the user's to act on.
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        if (_options.Threads > 0) options.IntraOpNumThreads = _options.Threads;
        options.EnableMemoryPattern = _options.MemoryPattern;
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", _options.AllowSpinning ? "1" : "0");
        if (_options.ProfilePrefix is { } prefix)
        {
            // The prefix first: setting EnableProfiling hands ORT the prefix set at that moment.
            options.ProfileOutputPathPrefix = prefix;
            options.EnableProfiling = true;
        }
        if (device == DeviceKind.Cuda) options.AppendExecutionProvider_CUDA(_options.CudaDeviceId);
        return options;
    }

    private static DeviceKind Resolve(RuntimeOptions options, ILogger logger)
    {
        if (options.Device == DeviceKind.Cpu) return DeviceKind.Cpu;
        try
        {
            using var probe = new SessionOptions();
            probe.AppendExecutionProvider_CUDA(options.CudaDeviceId);
            return DeviceKind.Cuda;
        }
        catch (Exception e) when (e is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
        {
            if (options.Device == DeviceKind.Cuda)
                throw new DeviceUnavailableException($"--device cuda: the CUDA execution provider cannot be loaded: {e.Message}\n{CudaHelp}", e);
            logger.LogWarning("--device auto: CUDA is not available ({Reason}); running on the CPU. {Help}", e.Message, CudaHelp);
            return DeviceKind.Cpu;
        }
    }
}
