namespace OnnxMec.Data;

/// <summary>
/// Fashion-MNIST (Zalando, MIT): the 10,000-image test split ships inside this assembly; the
/// 60,000-image train split is used from Debian's dataset-fashion-mnist package where installed.
/// </summary>
public static class FashionMnist
{
    public const string SystemFolder = "/usr/share/datasets/fashion-mnist";

    /// <summary>Per-channel mean and std of the training pixels, for normalisation.</summary>
    public const float Mean = 0.2860f, Std = 0.3530f;

    public static readonly string[] ClassNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>The embedded test split (10,000 images, 28×28 grey, labelled).</summary>
    public static IdxDataset EmbeddedTest()
    {
        var assembly = typeof(FashionMnist).Assembly;
        Stream Open(string name) => assembly.GetManifestResourceStream(name) ?? throw new InvalidDataException($"embedded resource '{name}' is missing from {assembly.GetName().Name}");
        var data = IdxDataset.Load("embedded fashion-mnist/t10k-images-idx3-ubyte.gz", () => Open("fashion-mnist/t10k-images-idx3-ubyte.gz"),
            "embedded fashion-mnist/t10k-labels-idx1-ubyte.gz", () => Open("fashion-mnist/t10k-labels-idx1-ubyte.gz"));
        return data;
    }

    /// <summary>The train split from <paramref name="folder"/> (default: the Debian package's), or null where it is not installed.</summary>
    public static IdxDataset? Train(string folder = SystemFolder)
    {
        string images = Path.Combine(folder, "train-images-idx3-ubyte.gz"), labels = Path.Combine(folder, "train-labels-idx1-ubyte.gz");
        return File.Exists(images) && File.Exists(labels) ? IdxDataset.Load(images, labels) : null;
    }
}
