using OnnxMec.Contract;

namespace OnnxMec.Data;

/// <summary>
/// CIFAR-10 / CIFAR-100 binary batches: records of a label byte (CIFAR-100: coarse then fine label)
/// followed by 3072 bytes of 32×32 RGB in planar order; held in memory.
/// </summary>
public sealed class CifarDataset : IImageDataset
{
    private const int Pixels = 3 * 32 * 32;
    private readonly byte[] _images;
    private readonly byte[] _labels;

    private CifarDataset(string name, byte[] images, byte[] labels, int classes)
    {
        Name = name;
        _images = images;
        _labels = labels;
        ClassCount = classes;
    }

    public string Name { get; }
    public int Count => _labels.Length;
    public int Channels => 3;
    public int ClassCount { get; }

    public int Label(int index) => _labels[index];

    public void Read(int index, FloatImage into) => into.FromPlanarBytes(_images.AsSpan(index * Pixels, Pixels), 3, 32, 32);

    /// <summary>Loads one or more batch files (data_batch_1.bin…, test_batch.bin; or CIFAR-100's train.bin, test.bin).</summary>
    public static CifarDataset Load(IReadOnlyList<string> files, bool cifar100 = false)
    {
        if (files.Count == 0) throw new InvalidDataException("no CIFAR batch files given");
        int labelBytes = cifar100 ? 2 : 1, record = labelBytes + Pixels;
        var images = new List<byte[]>();
        var labels = new List<byte>();
        long total = 0;
        foreach (var file in files)
        {
            var bytes = InputFiles.ReadAll(file, $"a {(cifar100 ? "CIFAR-100" : "CIFAR-10")} batch file", InputFiles.ModelLimit);
            if (bytes.Length % record != 0)
                throw new InvalidDataException($"{file}: {bytes.Length:N0} bytes is not a whole number of {(cifar100 ? "CIFAR-100" : "CIFAR-10")} records of {record} bytes");
            int n = bytes.Length / record;
            total += (long)n * Pixels;
            if (total > Array.MaxLength) throw new InvalidDataException($"{file}: the batch files hold more than the {Array.MaxLength / Pixels:N0} images one dataset can hold");
            var data = new byte[n * Pixels];
            for (int i = 0; i < n; i++)
            {
                byte label = bytes[i * record + labelBytes - 1];
                if (label >= (cifar100 ? 100 : 10))
                    throw new InvalidDataException($"{file}: record {i} has label {label}, over the {(cifar100 ? 100 : 10)} classes (is this the {(cifar100 ? "CIFAR-10" : "CIFAR-100")} format?)");
                labels.Add(label);
                bytes.AsSpan(i * record + labelBytes, Pixels).CopyTo(data.AsSpan(i * Pixels));
            }
            images.Add(data);
        }
        return new CifarDataset($"CIFAR-{(cifar100 ? 100 : 10)} ({files.Count} file{(files.Count > 1 ? "s" : "")})", images.SelectMany(b => b).ToArray(), [.. labels], cifar100 ? 100 : 10);
    }
}
