using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace OnnxMec.Data.Tests;

/// <summary>Files in other formats written from the embedded Fashion-MNIST, for the readers to read back.</summary>
internal static class TestFiles
{
    public static readonly Lazy<IdxDataset> Fmnist = new(FashionMnist.EmbeddedTest);

    public static string TempFolder(string name) => Directory.CreateTempSubdirectory($"onnxmec-{name}-").FullName;

    /// <summary>A CIFAR-10 (or -100) binary batch of the first n images, padded to 32×32 and repeated over RGB.</summary>
    public static string WriteCifar(string folder, int n, bool cifar100 = false)
    {
        var data = Fmnist.Value;
        int labelBytes = cifar100 ? 2 : 1;
        var bytes = new byte[n * (labelBytes + 3072)];
        for (int i = 0; i < n; i++)
        {
            int o = i * (labelBytes + 3072);
            if (cifar100) bytes[o] = (byte)(data.Label(i) / 5);
            bytes[o + labelBytes - 1] = (byte)data.Label(i);
            var pixels = data.Pixels(i);
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < 28; y++)
                    for (int x = 0; x < 28; x++) bytes[o + labelBytes + c * 1024 + (y + 2) * 32 + x + 2] = pixels[y * 28 + x];
        }
        string path = Path.Combine(folder, cifar100 ? "train.bin" : "data_batch_1.bin");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>An ImageNet-style folder: one sub-folder per class, the first n images as PNG (even) and JPEG (odd), optionally upscaled.</summary>
    public static string WriteImageFolder(string folder, int n, int size = 28, bool classFolders = true)
    {
        var data = Fmnist.Value;
        for (int i = 0; i < n; i++)
        {
            string dir = classFolders ? Path.Combine(folder, $"class_{data.Label(i)}") : folder;
            Directory.CreateDirectory(dir);
            using var image = Image.LoadPixelData<L8>(data.Pixels(i).ToArray(), 28, 28);
            if (size != 28) image.Mutate(m => m.Resize(size, size * 3 / 4));
            using var rgb = image.CloneAs<Rgb24>();
            string path = Path.Combine(dir, $"{i:D5}{(i % 2 == 0 ? ".png" : ".jpg")}");
            if (i % 2 == 0) rgb.SaveAsPng(path); else rgb.SaveAsJpeg(path);
        }
        return folder;
    }
}
