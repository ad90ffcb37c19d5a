namespace OnnxMec.Host.Tests.HostileInput;

/// <summary>The table of hostile inputs, by the class of the issue each belongs to.</summary>
public static class HostileCases
{
    /// <summary>A short fresh run on the tiny set into a new folder.</summary>
    private const string Train = "train --run-dir {new} --set Artifacts={set} --set Data:Source=fashion-mnist-embedded --set Data:EmbeddedQueries=9000 --set BatchSize=32 --set Epochs=1 --set Threads=1";

    /// <summary>A short fresh run with another artifact set.</summary>
    private const string TrainWith = "train --run-dir {new} --set Data:Source=fashion-mnist-embedded --set Data:EmbeddedQueries=9000 --set BatchSize=32 --set Epochs=1 --set Threads=1 --set Artifacts=";

    private const string Knn = "eval knn --threads 1 --checkpoint ";
    private const string Resume = "train --resume --run-dir {run}";

    /// <summary>kNN of the trained checkpoint on an image folder (train/ the bank, test/ the queries).</summary>
    private static string Folder(string name, string extra = "") =>
        $"eval knn --threads 1 --k 5 --checkpoint {{ck}} --set Data:Source=folder --set Data:Train={{images}}/{name}/train --set Data:Test={{images}}/{name}/test{extra}";

    private static string Idx(string file) => $"{Train} --set Data:Source=idx --set Data:Train={{bad}}/{file}";

    private static string Cifar(string file) => $"{Train} --set Data:Source=cifar10 --set Data:Train={{bad}}/{file}";

    private static HostileCase C(int @class, string name, int exit, string commandLine, params string[] expected) => new(@class, name, exit, commandLine, expected);

    public static IEnumerable<HostileCase> All() =>
    [
        // 1. Silent wrong results: a broken encoder is refused, never scored.
        C(1, "eval knn, conv1.weight all NaN", 2, Knn + "{bad}/nan.safetensors", "nan.safetensors", "conv1.weight", "NaN"),
        C(1, "eval knn, conv1.weight all +Inf", 2, Knn + "{bad}/inf.safetensors", "inf.safetensors", "conv1.weight", "Infinity"),
        C(1, "eval linear, conv1.weight all NaN", 2, "eval linear --epochs 1 --threads 1 --checkpoint {bad}/nan.safetensors", "nan.safetensors", "conv1.weight", "NaN"),
        C(1, "export, conv1.weight all NaN", 2, "export --checkpoint {bad}/nan.safetensors --out {out}", "nan.safetensors", "conv1.weight", "not finite"),
        C(1, "export --fold-bn, conv1.weight all +Inf", 2, "export --fold-bn --checkpoint {bad}/inf.safetensors --out {out}", "inf.safetensors", "conv1.weight"),
        C(1, "eval knn, finite weights with NaN features (negative BN variance)", 2, Knn + "{bad}/negvar.safetensors", "features", "NaN", "Fashion-MNIST"),

        // 2. Divergence and non-finite settings.
        C(2, "Lr=Infinity", 2, Train + " --set Lr=Infinity", "Lr: Infinity"),
        C(2, "Lr=NaN", 2, Train + " --set Lr=NaN", "Lr: NaN"),
        C(2, "Loss:EpsD2=Infinity", 2, Train + " --set Loss:EpsD2=Infinity", "Loss:EpsD2: Infinity"),
        C(2, "Loss:LambdaWarmupFactor=NaN", 2, Train + " --set Loss:LambdaWarmupFactor=NaN", "Loss:LambdaWarmupFactor: NaN"),
        C(2, "EmaMomentum=NaN", 2, Train + " --set EmaMomentum=NaN", "EmaMomentum: NaN"),
        C(2, "WarmupEpochs=NaN", 2, Train + " --set WarmupEpochs=NaN", "WarmupEpochs: NaN"),
        C(2, "Data:MinScale=NaN", 2, Train + " --set Data:MinScale=NaN", "Data:MinScale: NaN"),
        C(2, "Data:Jitter=1 (a factor of 0 would black an image out)", 2, Train + " --set Data:Jitter=1", "Data:Jitter: 1", "[0, 1)"),
        C(2, "Data:MaxTrain=-1", 2, Train + " --set Data:MaxTrain=-1", "Data:MaxTrain: -1"),
        C(2, "Knn:Temperature=Infinity", 2, Train + " --set Knn:Temperature=Infinity", "Knn:Temperature: Infinity"),
        C(2, "Data:Mean=NaN", 2, Train + " --set Data:Mean:0=NaN --set Data:Std:0=1", "Data:Mean"),
        C(2, "InitWeights with a NaN conv1.weight", 2, Train + " --set InitWeights={bad}/init-nan.safetensors", "init-nan.safetensors", "conv1.weight", "NaN"),
        C(2, "resume from a checkpoint with a NaN weight", 2, "train --resume --run-dir {bad}/nan-run", "nan-run/checkpoints/checkpoint-00000031.safetensors", "conv1.weight", "NaN"),
        C(2, "eval knn --temperature NaN", 2, Knn + "{ck} --temperature NaN", "--temperature"),
        C(2, "eval linear --lr Infinity", 2, "eval linear --threads 1 --checkpoint {ck} --lr Infinity", "--lr"),

        // 3. A run folder has one owner and keeps its settings.
        C(3, "a fresh train into a folder holding a run", 2, "train --run-dir {run} --set Artifacts={set} --set Data:Source=fashion-mnist-embedded", "{run}", "already holds", "--resume"),
        C(3, "resume with BatchSize changed", 2, Resume + " --set BatchSize=64", "checkpoint-00000031.safetensors", "BatchSize: 32 → 64"),
        C(3, "resume with Seed changed", 2, Resume + " --set Seed=5", "checkpoint-00000031.safetensors", "Seed: 0 → 5"),
        C(3, "resume with more Epochs, cosine schedule", 2, Resume + " --set Epochs=2", "Epochs: 1 → 2", "cosine"),
        C(3, "resume with BatchSize, Seed and Epochs changed: each listed", 2, Resume + " --set BatchSize=64 --set Seed=5 --set Epochs=2", "BatchSize: 32 → 64", "Seed: 0 → 5", "Epochs: 1 → 2"),
        C(3, "resume with Lr changed", 2, Resume + " --set Lr=0.5", "Lr: 0.3 → 0.5"),
        C(3, "resume with other data (Data:EmbeddedQueries)", 2, Resume + " --set Data:EmbeddedQueries=8000", "Data:EmbeddedQueries: 9000 → 8000"),
        C(3, "resume on fewer training images (Data:MaxTrain)", 2, Resume + " --set Data:MaxTrain=500", "Data:MaxTrain: 0 → 500"),
        C(3, "resume with an artifact set of other graphs", 2, Resume + " --set Artifacts={other-set}", "checkpoint-00000031.safetensors", "tiny-order2"),
        C(3, "resume in a folder without a run", 2, "train --resume --run-dir {new}", "config.json", "no such file"),
        C(3, "resume without --run-dir", 2, "train --resume", "--run-dir"),
        C(3, "resume while another process holds run.lock", 2, Resume, "{run}", "in use by process", "run.lock") with { HoldsRunLock = true },

        // 5. Every file is checked before it is trusted.
        C(5, "manifest names a graph by absolute path", 2, TrainWith + "{sets}/absolute-path", "absolute-path/manifest.json", "eval_model", "inside the set's folder"),
        C(5, "manifest names a graph by a ../ path", 2, TrainWith + "{sets}/dotdot-path", "dotdot-path/manifest.json", "../../../tiny-set/eval_model.onnx"),
        C(5, "manifest names the weights by a ../ path", 2, TrainWith + "{sets}/dotdot-weights", "dotdot-weights/manifest.json", "weights.file"),
        C(5, "initial_weights.safetensors edited", 2, TrainWith + "{sets}/edited-weights", "edited-weights/initial_weights.safetensors", "SHA-256"),
        C(5, "a graph edited", 2, TrainWith + "{sets}/edited-graph", "edited-graph/train_step.onnx", "SHA-256"),
        C(5, "a graph missing", 2, TrainWith + "{sets}/missing-graph", "missing-graph/ema_model.onnx", "missing"),
        C(5, "manifest shape whose size overflows", 2, TrainWith + "{sets}/shape-overflow", "shape-overflow/manifest.json", "conv1.weight", "2^31"),
        C(5, "manifest shape with a negative dimension", 2, TrainWith + "{sets}/negative-shape", "negative-shape/manifest.json", "conv1.weight"),
        C(5, "manifest without the train_step graph", 2, TrainWith + "{sets}/no-train-step", "no-train-step/manifest.json", "'train_step' is missing"),
        C(5, "manifest that is not JSON", 2, TrainWith + "{sets}/manifest-not-json", "manifest-not-json/manifest.json", "malformed"),
        C(5, "manifest.json is a folder", 2, TrainWith + "{sets}/manifest-folder", "manifest-folder/manifest.json", "is a folder"),
        C(5, "Artifacts names a file", 2, TrainWith + "{bad}/malformed.json", "malformed.json", "is a file"),
        C(5, "Artifacts names no folder", 2, TrainWith + "{bad}/no-such-set", "no-such-set", "artifacts build"),
        C(5, "checkpoint is a folder", 2, Knn + "{bad}/folder.safetensors", "folder.safetensors", "is a folder"),
        C(5, "checkpoint is /dev/zero", 2, Knn + "/dev/zero", "/dev/zero", "not a regular file"),
        C(5, "checkpoint is a pipe", 2, "export --checkpoint {bad}/fifo.safetensors --out {out}", "fifo.safetensors", "not a regular file"),
        C(5, "checkpoint truncated", 2, Knn + "{bad}/truncated.safetensors", "truncated.safetensors", "truncated"),
        C(5, "checkpoint header length of 2^63", 2, Knn + "{bad}/huge-header.safetensors", "huge-header.safetensors", "header length"),
        C(5, "checkpoint shape whose size overflows", 2, Knn + "{bad}/header-shape-overflow.safetensors", "header-shape-overflow.safetensors", "conv1.weight", "overflows"),
        C(5, "checkpoint tensors overlapping", 2, Knn + "{bad}/header-overlap.safetensors", "header-overlap.safetensors", "overlaps"),
        C(5, "checkpoint's stored run names another folder", 2, Knn + "{bad}/meta-run-elsewhere.safetensors", "meta-run-elsewhere.safetensors", "/etc", "--artifacts"),
        C(5, "checkpoint's stored run is an invalid config", 2, Knn + "{bad}/meta-run-invalid.safetensors", "meta-run-invalid.safetensors", "BatchSize: 1"),
        C(5, "IDX header whose size wraps to 0", 2, Idx("overflow-idx3-ubyte"), "overflow-idx3-ubyte", "[1073741824, 1073741824, 16]"),
        C(5, "gzipped IDX header whose size wraps to 0", 2, Idx("overflow-idx3-ubyte.gz"), "overflow-idx3-ubyte.gz", "[1073741824, 1073741824, 16]"),
        C(5, "IDX file shorter than its header says", 2, Idx("short-idx3-ubyte"), "short-idx3-ubyte", "78,400 bytes", "the file has 500"),
        C(5, "IDX labels fewer than images", 2, Idx("images-idx3-ubyte") + " --set Data:TrainLabels={bad}/labels-idx1-ubyte", "labels-idx1-ubyte", "60 labels for the 64 images"),
        C(5, "IDX Data:Train is a folder", 2, Idx(""), "{bad}", "is a folder", "IDX"),
        C(5, "IDX Data:Train is /dev/zero", 2, Train + " --set Data:Source=idx --set Data:Train=/dev/zero", "/dev/zero", "not a regular file"),
        C(5, "CIFAR file not whole records", 2, Cifar("cifar-partial.bin"), "cifar-partial.bin", "3073 bytes"),
        C(5, "CIFAR label out of range", 2, Cifar("cifar-label.bin"), "cifar-label.bin", "label 77"),
        C(5, "CIFAR Data:Train is a folder", 2, Cifar(""), "{bad}", "is a folder", "CIFAR-10"),
        C(5, "an image that is a pipe", 2, Folder("fifo-image"), "fifo-image/train/cat/100.png", "not a regular file"),
        C(5, "InitWeights is a folder", 2, Train + " --set InitWeights={bad}", "{bad}", "is a folder"),
        C(5, "config is /dev/zero", 2, "train --config /dev/zero --run-dir {new}", "/dev/zero", "not a regular file"),
        C(5, "config is a pipe", 2, "train --config {bad}/fifo.json --run-dir {new}", "fifo.json", "not a regular file"),

        // 6. Datasets.
        C(6, "an unreadable image in the kNN bank", 2, Folder("bad-train"), "bad-train/train/cat/005.png", "not a JPEG or PNG"),
        C(6, "an unreadable image in the kNN bank, Data:SkipBadImages", 0, Folder("bad-train", " --set Data:SkipBadImages=true"), "1 unreadable images were left out", "top-1 100.00 %"),
        C(6, "an unreadable kNN query, Data:SkipBadImages", 0, Folder("bad-test", " --set Data:SkipBadImages=true"), "1 unreadable images were left out", "11 queries"),
        C(6, "an empty extra class folder in Data:Test", 0, Folder("empty-test-class"), "top-1 100.00 %"),
        C(6, "a class only in Data:Test", 2, Folder("test-only-class"), "test-only-class/test", "'zebra'", "not among the 2 classes"),
        C(6, "a class only in Data:Train", 0, Folder("train-only-class"), "without the training class 'ant'", "top-1 100.00 %"),
        C(6, "Data:Recipe=imagenet with a 1-channel set, train", 2, Train + " --set Data:Recipe=imagenet", "Data:Recipe", "1-channel"),
        C(6, "Data:Recipe=imagenet with a 1-channel set, eval", 2, Folder("ok", " --set Data:Recipe=imagenet"), "Data:Recipe", "1-channel"),
        C(6, "Data:Train folder missing", 2, Folder("no-such-folder"), "no-such-folder/train", "no such image folder"),
        C(6, "Data:Train folder without images", 2, "eval knn --threads 1 --checkpoint {ck} --set Data:Source=folder --set Data:Train={images}/no-images --set Data:Test={images}/ok/test",
            "no-images", "no .jpg, .jpeg or .png images"),

        // 7. No stack traces for the user's mistakes.
        C(7, "an option the verb lacks after --set (train --threads)", 2, Train + " --threads 2", "'--threads' is not an option", "--set Threads="),
        C(7, "config is a folder", 2, "train --config {bad} --run-dir {new}", "{bad}", "is a folder"),
        C(7, "config is malformed JSON", 2, "train --config {bad}/malformed.json --run-dir {new}", "malformed.json", "not valid JSON", "line"),
        C(7, "config is a JSON array", 2, "train --config {bad}/array.json --run-dir {new}", "array.json", "JSON object"),
        C(7, "config with a string for a number", 2, "train --config {bad}/wrong-type.json --run-dir {new}", "Lr"),
        C(7, "config missing", 2, "train --config {bad}/no-such.json --run-dir {new}", "no-such.json", "no such file"),
        C(7, "--run-dir names a file", 2, Train.Replace("{new}", "{bad}/malformed.json", StringComparison.Ordinal), "malformed.json", "is a file"),
        C(7, "--run-dir not writable (sysfs)", 2, Train.Replace("{new}", "/sys/kernel", StringComparison.Ordinal), "/sys/kernel", "cannot write the run folder"),
        C(7, "--run-dir cannot be created (sysfs)", 2, Train.Replace("{new}", "/sys/kernel/onnxmec-run", StringComparison.Ordinal), "/sys/kernel/onnxmec-run", "cannot create"),
        C(7, "export --out names a folder", 2, "export --checkpoint {ck} --out {bad}", "{bad}", "is a folder"),
        C(7, "export --out /dev/null", 2, "export --checkpoint {ck} --out /dev/null", "/dev/null", "not replaced"),
        C(7, "export --out not writable (sysfs)", 2, "export --checkpoint {ck} --out /sys/kernel/encoder.onnx", "/sys/kernel/encoder.onnx", "cannot be written"),
        C(7, "export --out inside a file", 2, "export --checkpoint {ck} --out {bad}/malformed.json/encoder.onnx", "malformed.json", "is a file"),
        C(7, "eval --encoder on a text file", 2, "eval knn --threads 1 --encoder {bad}/text.onnx", "text.onnx", "not an ONNX model"),
        C(7, "eval --encoder on a safetensors file", 2, "eval knn --threads 1 --encoder {ck}", "checkpoint-00000031.safetensors", "not an ONNX model"),
        C(7, "eval --encoder on a folder", 2, "eval knn --threads 1 --encoder {bad}", "{bad}", "is a folder"),
        C(7, "eval --encoder on an ONNX model that is not an encoder", 2, "eval knn --threads 1 --encoder {set}/ema_model.onnx", "ema_model.onnx", "not an OnnxMec encoder"),
        C(7, "eval with both --checkpoint and --encoder", 2, "eval knn --checkpoint {ck} --encoder {ck}", "exactly one of --checkpoint and --encoder"),
        C(7, "manifest name null", 2, TrainWith + "{sets}/null-name", "null-name/manifest.json", "name", "null"),
        C(7, "manifest weights null", 2, TrainWith + "{sets}/null-weights", "null-weights/manifest.json", "weights", "null"),
        C(7, "manifest tensor role null", 2, TrainWith + "{sets}/null-role", "null-role/manifest.json", "tensors[0].role", "null"),
        C(7, "manifest tensor entry null", 2, TrainWith + "{sets}/null-tensor", "null-tensor/manifest.json", "tensors[0]", "null"),
        C(7, "manifest graph input null", 2, TrainWith + "{sets}/null-input", "null-input/manifest.json", "graphs.eval_model.inputs[0]", "null"),
        C(7, "checkpoint header dtype null", 2, Knn + "{bad}/header-null-dtype.safetensors", "header-null-dtype.safetensors", "conv1.weight", "dtype"),
        C(7, "checkpoint header shape null", 2, Knn + "{bad}/header-null-shape.safetensors", "header-null-shape.safetensors", "conv1.weight", "shape"),
        C(7, "checkpoint metadata is a number", 2, Knn + "{bad}/header-metadata-number.safetensors", "header-metadata-number.safetensors", "'onnxmec'", "a string"),
        C(7, "checkpoint metadata config null", 2, Knn + "{bad}/meta-null-config.safetensors", "meta-null-config.safetensors", "config", "null"),
        C(7, "checkpoint metadata not JSON", 2, Knn + "{bad}/meta-not-json.safetensors", "meta-not-json.safetensors", "corrupt checkpoint metadata"),
        C(7, "checkpoint metadata with a negative step", 2, Knn + "{bad}/meta-step.safetensors", "meta-step.safetensors", "step: -5"),
        C(7, "checkpoint metadata names other graphs", 2, Knn + "{bad}/meta-hash.safetensors", "meta-hash.safetensors", "--artifacts"),
        C(7, "checkpoint without a tensor its metadata's set needs", 2, Knn + "{bad}/missing-tensor.safetensors", "missing-tensor.safetensors", "layer1.0.conv1.weight", "missing"),
        C(7, "checkpoint with a tensor of the wrong shape", 2, "export --checkpoint {bad}/wrong-shape.safetensors --out {out}", "wrong-shape.safetensors", "layer1.0.conv1.weight", "[1,2]"),
        C(7, "plain weights where a checkpoint belongs", 2, Knn + "{bad}/no-metadata.safetensors", "no-metadata.safetensors", "not an OnnxMec checkpoint"),
        C(7, "checkpoint of another artifact set given --artifacts", 2, Knn + "{ck} --artifacts {other-set}", "checkpoint-00000031.safetensors", "--artifacts"),
        C(7, "--set without '='", 2, "train --set Lr", "--set 'Lr'", "KEY=VALUE"),
        C(7, "--device tpu", 2, Knn + "{ck} --device tpu", "--device", "tpu"),
        C(7, "eval knn --k 0", 2, Knn + "{ck} --k 0", "--k"),
    ];
}
