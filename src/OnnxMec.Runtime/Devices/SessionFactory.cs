using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;

namespace OnnxMec.Runtime;

/// <summary>Opens InferenceSessions on the chosen device, resolving "auto" once.</summary>
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

    public InferenceSession Open(string modelPath)
    {
        using var options = CreateOptions(Device);
        try
        {
            if (Device != DeviceKind.Cpu || !_options.BlockedConv || BlockedConvSupport.BlockSize == 0)
                return new InferenceSession(modelPath, options);
            var model = BlockedConvRewrite.Rewrite(File.ReadAllBytes(modelPath), BlockedConvSupport.BlockSize, out int rewritten);
            _logger.LogDebug("{Model}: {Count} convolutions in blocked layout (block {Block})", modelPath, rewritten, BlockedConvSupport.BlockSize);
            return new InferenceSession(model, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"{modelPath}: ONNX Runtime cannot load this graph: {e.Message}", e);
        }
    }

    private SessionOptions CreateOptions(DeviceKind device)
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = _options.Optimization,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            InterOpNumThreads = 1,
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
