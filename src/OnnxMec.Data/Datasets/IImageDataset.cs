namespace OnnxMec.Data;

/// <summary>A finite, indexable set of images, optionally labelled.</summary>
public interface IImageDataset
{
    /// <summary>What the data is and where it came from, for logs and errors.</summary>
    string Name { get; }

    int Count { get; }

    /// <summary>Channels of the decoded images (1 grey, 3 RGB).</summary>
    int Channels { get; }

    /// <summary>Number of classes, or 0 when unlabelled.</summary>
    int ClassCount { get; }

    /// <summary>The label of an image, or −1 when unlabelled.</summary>
    int Label(int index);

    /// <summary>Decodes image <paramref name="index"/> into <paramref name="into"/> as values in [0, 1]; a bad image throws <see cref="InvalidDataException"/> naming its file.</summary>
    void Read(int index, FloatImage into);
}
