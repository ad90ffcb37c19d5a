namespace OnnxMec.Data;

/// <summary>
/// JPEG and PNG files in a folder: one sub-folder per class (ImageNet's train/ layout, classes in
/// ordinal name order) or, without sub-folders, a flat folder of unlabelled images. Files are
/// decoded on every read, by the loader's workers.
/// </summary>
public sealed class ImageFolderDataset : IImageDataset
{
    private static readonly HashSet<string> Extensions = new(StringComparer.OrdinalIgnoreCase) { ".jpg", ".jpeg", ".png" };
    private readonly string[] _files;
    private readonly int[] _labels;
    private readonly ImageDecoding _decoding;

    private ImageFolderDataset(string name, string[] files, int[] labels, string[] classes, int channels, ImageDecoding decoding, int ignored)
    {
        Name = name;
        _files = files;
        _labels = labels;
        Classes = classes;
        Channels = channels;
        _decoding = decoding;
        IgnoredFiles = ignored;
    }

    public string Name { get; }
    public int Count => _files.Length;
    public int Channels { get; }
    public int ClassCount => Classes.Count;
    public IReadOnlyList<string> Classes { get; }

    /// <summary>Files skipped for not being .jpg, .jpeg or .png.</summary>
    public int IgnoredFiles { get; }

    public string File(int index) => _files[index];
    public int Label(int index) => _labels[index];
    public void Read(int index, FloatImage into) => _decoding.Decode(_files[index], into, Channels);

    public static ImageFolderDataset Open(string folder, int channels = 3, ImageDecoding? decoding = null)
    {
        if (!Directory.Exists(folder)) throw new InvalidDataException($"{folder}: no such image folder");
        var classDirs = Directory.GetDirectories(folder).OrderBy(d => d, StringComparer.Ordinal).ToArray();
        var files = new List<string>();
        var labels = new List<int>();
        int ignored = 0;
        void Add(string dir, int label)
        {
            foreach (var file in Directory.GetFiles(dir).OrderBy(f => f, StringComparer.Ordinal))
            {
                if (!Extensions.Contains(Path.GetExtension(file))) { ignored++; continue; }
                files.Add(file);
                labels.Add(label);
            }
        }
        if (classDirs.Length == 0) Add(folder, -1);
        else for (int c = 0; c < classDirs.Length; c++) Add(classDirs[c], c);
        if (files.Count == 0)
            throw new InvalidDataException($"{folder}: no .jpg, .jpeg or .png images{(classDirs.Length > 0 ? $" in its {classDirs.Length} class folders" : "")}{(ignored > 0 ? $" ({ignored} other files ignored)" : "")}");
        var classes = classDirs.Select(Path.GetFileName).ToArray();
        return new ImageFolderDataset($"image folder {folder}", [.. files], [.. labels], classes!, channels, decoding ?? new ImageDecoding(), ignored);
    }
}
