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
    private const string CudaLibraries =
        "CUDA 13 (libcudart.so.13, libcublas.so.13, libcublasLt.so.13, libcurand.so.10, libcufft.so.12) and cuDNN 9 (libcudnn.so.9) on the library path (LD_LIBRARY_PATH)";

    private const string CpuBuildHelp =
        "this onnxmec is built with the CPU package of ONNX Runtime, which has no CUDA execution provider: build it with -p:OrtFlavor=Gpu " +
        "(Microsoft.ML.OnnxRuntime.Gpu.Linux 1.31.0 on Linux), and give it " + CudaLibraries + ".";

    private const string GpuBuildHelp =
        "ONNX Runtime's CUDA provider needs " + CudaLibraries + "; ONNX Runtime's log line above names the library it did not find.";

    private readonly RuntimeOptions _options;
    private readonly ILogger _logger;

    public SessionFactory(RuntimeOptions options, ILogger? logger = null)
    {
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        Device = Resolve(options, _logger);
        StateMemory = options.StateMemory ?? (Device == DeviceKind.Cuda ? StateMemory.Device : StateMemory.Managed);
    }

    /// <summary>The device sessions actually run on (never Auto).</summary>
    public DeviceKind Device { get; }

    public int Threads => _options.Threads;

    /// <summary>Where training sessions keep their state (the option's choice, or the device's default).</summary>
    public StateMemory StateMemory { get; }

    /// <summary>The memory of the device sessions run on, as ORT's allocators name it.</summary>
    internal OrtMemoryInfo DeviceMemoryInfo() => Device == DeviceKind.Cuda
        ? new OrtMemoryInfo(OrtMemoryInfo.allocatorCUDA, OrtAllocatorType.DeviceAllocator, _options.CudaDeviceId, OrtMemType.Default)
        : new OrtMemoryInfo(OrtMemoryInfo.allocatorCPU, OrtAllocatorType.DeviceAllocator, 0, OrtMemType.Default);

    /// <summary>
    /// Opens a graph that only moves data (an Identity) on the device: no graph optimisations, one
    /// thread, and an allocator that takes exactly what is asked (no arena rounding up to the next
    /// power of two), because what it allocates is long-lived state.
    /// </summary>
    internal InferenceSession OpenForCopies(byte[] model, string source)
    {
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL,
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            EnableCpuMemArena = false,
        };
        if (Device == DeviceKind.Cuda)
        {
            using var cuda = new OrtCUDAProviderOptions();
            cuda.UpdateOptions(new Dictionary<string, string>
            {
                ["device_id"] = _options.CudaDeviceId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["arena_extend_strategy"] = "kSameAsRequested",
            });
            options.AppendExecutionProvider_CUDA(cuda);
        }
        try
        {
            return new InferenceSession(model, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"{source}: ONNX Runtime cannot load this model: {e.Message}", e);
        }
    }

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
            // The CPU package lacks the entry point; the GPU package has it and fails on a missing library.
            string help = e is EntryPointNotFoundException ? CpuBuildHelp : $"{e.Message}: {GpuBuildHelp}";
            if (options.Device == DeviceKind.Cuda)
                throw new DeviceUnavailableException($"--device cuda: the CUDA execution provider cannot be used: {help}", e);
            logger.LogWarning("--device auto: CUDA cannot be used, running on the CPU: {Help}", help);
            return DeviceKind.Cpu;
        }
    }
}
