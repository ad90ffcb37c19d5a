using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using OnnxMec.Contract;
using OnnxMec.Graphs;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace OnnxMec.Host.Tests.HostileInput;

/// <summary>
/// The files a hostile user hands the CLI, made once for every hostile-input test from the shared
/// trained run (one epoch on the tiny set): checkpoints, artifact sets, configs and datasets each
/// broken in one way, pipes and devices where files belong, and small labelled image folders.
/// </summary>
internal static class HostileWorld
{
    private static readonly Lazy<string> Made = new(Make, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Makes the files on first use; every path below is valid after this.</summary>
    public static void Ensure() => _ = Made.Value;

    public static string Root => Path.Combine(HostFixture.Root, "hostile");
    public static string Run => HostFixture.TrainedRun;
    public static string Checkpoint => Path.Combine(Run, "checkpoints", "checkpoint-00000031.safetensors");
    public static string Bad => Path.Combine(Root, "bad");
    public static string Sets => Path.Combine(Root, "sets");
    public static string Images => Path.Combine(Root, "images");

    /// <summary>A set whose graphs differ from the tiny set's (MEC order 2): a checkpoint of one does not fit the other.</summary>
    public static string OtherSet => Path.Combine(Sets, "order2");

    private static string Make()
    {
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(Bad);
        MakeCheckpoints();
        MakeSets();
        MakeDataFiles();
        MakeImageFolders();
        MakeConfigs();
        return Root;
    }

    private static string B(string name) => Path.Combine(Bad, name);

    private static void MakeCheckpoints()
    {
        var (tensors, metadata) = SafeTensors.Read(Checkpoint);
        void WithTensors(string name, Func<NamedTensor, NamedTensor?> change) =>
            SafeTensors.Write(B(name), tensors.Select(change).Where(t => t is not null).Select(t => t!).ToList(), metadata);
        NamedTensor Fill(NamedTensor t, float value) => NamedTensor.Float32(t.Name, t.Shape, Enumerable.Repeat(value, (int)t.ElementCount).ToArray());

        WithTensors("nan.safetensors", t => t.Name == "conv1.weight" ? Fill(t, float.NaN) : t);
        WithTensors("inf.safetensors", t => t.Name == "conv1.weight" ? Fill(t, float.PositiveInfinity) : t);
        // A negative running variance: every weight finite, every feature NaN (the square root of a negative number).
        WithTensors("negvar.safetensors", t => t.Name == "bn1.running_var" ? Fill(t, -1) : t);
        // A constant encoder: every online convolution zero, so every image gets the same features.
        WithTensors("constant.safetensors", t => t.Name.EndsWith("weight", StringComparison.Ordinal) && t.Name.Contains("conv", StringComparison.Ordinal)
            && !t.Name.StartsWith("target.", StringComparison.Ordinal) && !t.Name.StartsWith("momentum.", StringComparison.Ordinal) ? Fill(t, 0) : t);
        WithTensors("missing-tensor.safetensors", t => t.Name == "layer1.0.conv1.weight" ? null : t);
        WithTensors("wrong-shape.safetensors", t => t.Name == "layer1.0.conv1.weight" ? NamedTensor.Float32(t.Name, [1, 2], [1, 2]) : t);

        void WithInfo(string name, Action<JsonObject> change)
        {
            var info = JsonNode.Parse(metadata[Runtime.CheckpointInfo.MetadataKey])!.AsObject();
            change(info);
            SafeTensors.Write(B(name), tensors, new Dictionary<string, string>(metadata) { [Runtime.CheckpointInfo.MetadataKey] = info.ToJsonString() });
        }
        WithInfo("meta-null-config.safetensors", i => i["config"] = null);
        WithInfo("meta-step.safetensors", i => i["step"] = -5);
        WithInfo("meta-hash.safetensors", i => i["artifact_hash"] = new string('0', 64));
        WithInfo("meta-run-elsewhere.safetensors", i => i["run_config"] = """{ "Artifacts": "/etc" }""");
        WithInfo("meta-run-invalid.safetensors", i => i["run_config"] = """{ "Artifacts": "/etc", "BatchSize": 1 }""");
        SafeTensors.Write(B("meta-not-json.safetensors"), tensors, new Dictionary<string, string>(metadata) { [Runtime.CheckpointInfo.MetadataKey] = "not json" });
        SafeTensors.Write(B("no-metadata.safetensors"), tensors);

        EditHeader("header-null-dtype.safetensors", h => h["conv1.weight"]!["dtype"] = null);
        EditHeader("header-null-shape.safetensors", h => h["conv1.weight"]!["shape"] = null);
        EditHeader("header-metadata-number.safetensors", h => h["__metadata__"]![Runtime.CheckpointInfo.MetadataKey] = 5);
        EditHeader("header-shape-overflow.safetensors", h => h["conv1.weight"]!["shape"] = new JsonArray(4294967296L, 4294967296L, 4294967296L));
        EditHeader("header-overlap.safetensors", h => h["bn1.bias"]!["data_offsets"] = h["bn1.weight"]!["data_offsets"]!.DeepClone());

        var bytes = File.ReadAllBytes(Checkpoint);
        File.WriteAllBytes(B("truncated.safetensors"), bytes[..1000]);
        var huge = bytes.ToArray();
        BinaryPrimitives.WriteUInt64LittleEndian(huge, ulong.MaxValue / 2);
        File.WriteAllBytes(B("huge-header.safetensors"), huge);
        MakeFifo(B("fifo.safetensors"));
        File.WriteAllText(B("text.onnx"), "not a model");
        Directory.CreateDirectory(B("folder.safetensors"));

        // A run whose newest checkpoint holds a NaN weight, to resume from.
        string nanRun = B("nan-run");
        Directory.CreateDirectory(Path.Combine(nanRun, "checkpoints"));
        File.Copy(Path.Combine(Run, "config.json"), Path.Combine(nanRun, "config.json"));
        File.Copy(B("nan.safetensors"), Path.Combine(nanRun, "checkpoints", Path.GetFileName(Checkpoint)));

        var (initial, _) = SafeTensors.Read(Path.Combine(HostFixture.TinySet, "initial_weights.safetensors"));
        SafeTensors.Write(B("init-nan.safetensors"), initial.Select(t => t.Name == "conv1.weight" ? Fill(t, float.NaN) : t).ToList());
    }

    /// <summary>Writes a copy of the checkpoint whose safetensors header JSON was changed, keeping its data bytes.</summary>
    private static void EditHeader(string name, Action<JsonObject> change)
    {
        var bytes = File.ReadAllBytes(Checkpoint);
        int length = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var header = JsonNode.Parse(bytes.AsSpan(8, length))!.AsObject();
        change(header);
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8;
        using var file = File.Create(B(name));
        var prefix = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)padded);
        file.Write(prefix);
        file.Write(json);
        for (int i = json.Length; i < padded; i++) file.WriteByte((byte)' ');
        file.Write(bytes.AsSpan(8 + length));
    }

    private static void MakeSets()
    {
        Directory.CreateDirectory(Sets);
        void Copy(string name, Action<string> change)
        {
            string folder = Path.Combine(Sets, name);
            Directory.CreateDirectory(folder);
            foreach (var file in Directory.GetFiles(HostFixture.TinySet)) File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
            change(folder);
        }
        void Manifest(string name, Action<JsonObject> change) => Copy(name, folder =>
        {
            string path = Path.Combine(folder, Contract.Manifest.FileName);
            var manifest = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            change(manifest);
            File.WriteAllText(path, manifest.ToJsonString());
        });
        JsonObject Graph(JsonObject m, string name) => m["graphs"]![name]!.AsObject();

        Manifest("absolute-path", m => Graph(m, "eval_model")["file"] = Path.Combine(HostFixture.TinySet, "eval_model.onnx"));
        Manifest("dotdot-path", m => Graph(m, "eval_model")["file"] = "../../../tiny-set/eval_model.onnx");
        Manifest("dotdot-weights", m => m["weights"]!["file"] = "../../../tiny-set/initial_weights.safetensors");
        Manifest("shape-overflow", m => m["tensors"]![0]!["shape"] = new JsonArray(4294967296L, 4294967296L, 1, 1));
        Manifest("negative-shape", m => m["tensors"]![0]!["shape"] = new JsonArray(-1, 1, 3, 3));
        Manifest("no-train-step", m => m["graphs"]!.AsObject().Remove("train_step"));
        Manifest("null-name", m => m["name"] = null);
        Manifest("null-weights", m => m["weights"] = null);
        Manifest("null-role", m => m["tensors"]![0]!["role"] = null);
        Manifest("null-tensor", m => m["tensors"]![0] = null);
        Manifest("null-input", m => Graph(m, "eval_model")["inputs"]![0] = null);
        Copy("edited-weights", folder =>
        {
            string path = Path.Combine(folder, "initial_weights.safetensors");
            var (tensors, metadata) = SafeTensors.Read(path);
            SafeTensors.Write(path, tensors.Select(t => t.Name == "conv1.weight" ? NamedTensor.Float32(t.Name, t.Shape, new float[t.ElementCount]) : t).ToList(), metadata);
        });
        Copy("edited-graph", folder => File.AppendAllText(Path.Combine(folder, "train_step.onnx"), "x"));
        Copy("missing-graph", folder => File.Delete(Path.Combine(folder, "ema_model.onnx")));
        Copy("manifest-not-json", folder => File.WriteAllText(Path.Combine(folder, Contract.Manifest.FileName), "{ \"name\": "));
        Copy("manifest-folder", folder =>
        {
            File.Delete(Path.Combine(folder, Contract.Manifest.FileName));
            Directory.CreateDirectory(Path.Combine(folder, Contract.Manifest.FileName));
        });
        var tiny = Contract.Manifest.Load(Path.Combine(HostFixture.TinySet, Contract.Manifest.FileName)).Config;
        ArtifactSetBuilder.Build("tiny-order2", tiny with { Order = 2 }).WriteTo(OtherSet);
    }

    private static void MakeDataFiles()
    {
        static byte[] Idx(int magic, int[] dims, int dataBytes)
        {
            var bytes = new byte[4 + 4 * dims.Length + dataBytes];
            BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
            for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dims[i]);
            return bytes;
        }
        // 2^30 · 2^30 · 16 = 2^64: the size wraps to 0 in 64-bit arithmetic, and the file holds no data.
        File.WriteAllBytes(B("overflow-idx3-ubyte"), Idx(0x803, [1 << 30, 1 << 30, 16], 0));
        using (var gz = new GZipStream(File.Create(B("overflow-idx3-ubyte.gz")), CompressionLevel.Fastest))
            gz.Write(Idx(0x803, [1 << 30, 1 << 30, 16], 0));
        File.WriteAllBytes(B("short-idx3-ubyte"), Idx(0x803, [100, 28, 28], 500));
        File.WriteAllBytes(B("images-idx3-ubyte"), Idx(0x803, [64, 28, 28], 64 * 784));
        File.WriteAllBytes(B("labels-idx1-ubyte"), Idx(0x801, [60], 60));
        File.WriteAllBytes(B("cifar-partial.bin"), new byte[3073 * 2 + 5]);
        var label = new byte[3073];
        label[0] = 77;
        File.WriteAllBytes(B("cifar-label.bin"), label);
    }

    private static void MakeImageFolders()
    {
        var rng = new Random(0);
        void Png(string path, (int R, int G, int B) colour)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            byte Jitter(int c) => (byte)Math.Clamp(c + rng.Next(-20, 21), 0, 255);
            using var image = new Image<Rgb24>(32, 32, new Rgb24(Jitter(colour.R), Jitter(colour.G), Jitter(colour.B)));
            image.SaveAsPng(path);
        }
        // Two classes a grey encoder tells apart by brightness alone (luma 81 and 129).
        var classes = new[] { ("cat", (200, 30, 30)), ("dog", (30, 200, 30)) };
        foreach (var (split, count) in new[] { ("train", 24), ("test", 6) })
            foreach (var (name, colour) in classes)
                for (int i = 0; i < count; i++) Png(Path.Combine(Images, "ok", split, name, $"{i:D3}.png"), colour);

        void Variant(string name, Action<string> change)
        {
            string folder = Path.Combine(Images, name);
            foreach (var file in Directory.GetFiles(Path.Combine(Images, "ok"), "*", SearchOption.AllDirectories))
            {
                string target = Path.Combine(folder, Path.GetRelativePath(Path.Combine(Images, "ok"), file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }
            change(folder);
        }
        Variant("bad-train", f => File.WriteAllText(Path.Combine(f, "train", "cat", "005.png"), "garbage"));
        Variant("bad-test", f => File.WriteAllText(Path.Combine(f, "test", "dog", "003.png"), "garbage"));
        Variant("empty-test-class", f => Directory.CreateDirectory(Path.Combine(f, "test", "aardvark")));
        Variant("test-only-class", f => Png(Path.Combine(f, "test", "zebra", "000.png"), (128, 128, 128)));
        Variant("train-only-class", f => Png(Path.Combine(f, "train", "ant", "000.png"), (20, 20, 200)));
        Variant("fifo-image", f => MakeFifo(Path.Combine(f, "train", "cat", "100.png")));
        Directory.CreateDirectory(Path.Combine(Images, "no-images", "cat"));
        File.WriteAllText(Path.Combine(Images, "no-images", "cat", "notes.txt"), "no images here");
    }

    private static void MakeConfigs()
    {
        File.WriteAllText(B("malformed.json"), "{ \"Lr\": 0.3,\n  \"Epochs\": ");
        File.WriteAllText(B("array.json"), "[1, 2]");
        File.WriteAllText(B("wrong-type.json"), """{ "Lr": "fast" }""");
        MakeFifo(B("fifo.json"));
    }

    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int MkFifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);

    private static void MakeFifo(string path)
    {
        if (MkFifo(path, Convert.ToUInt32("644", 8)) != 0) throw new IOException($"mkfifo {path} failed: errno {Marshal.GetLastPInvokeError()}");
    }
}
