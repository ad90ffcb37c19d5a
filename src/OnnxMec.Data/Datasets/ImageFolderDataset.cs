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

    /// <summary>
    /// The images of a folder. Class sub-folders holding no images are not classes. With
    /// <paramref name="classes"/> (the training folder's), labels are those classes' indices matched
    /// by name, so a test folder with fewer classes, or in another order, is labelled like the
    /// training one; a class the training folder does not have is refused, since its images could
    /// never be classified right.
    /// </summary>
    public static ImageFolderDataset Open(string folder, int channels = 3, ImageDecoding? decoding = null, IReadOnlyList<string>? classes = null)
    {
        if (System.IO.File.Exists(folder)) throw new InvalidDataException($"{folder}: is a file; an image folder is a folder (one sub-folder per class, or images)");
        if (!Directory.Exists(folder)) throw new InvalidDataException($"{folder}: no such image folder");
        var classDirs = Directory.GetDirectories(folder).OrderBy(d => d, StringComparer.Ordinal).ToArray();
        int ignored = 0;
        List<string> Images(string dir)
        {
            var images = new List<string>();
            foreach (var file in Directory.GetFiles(dir).OrderBy(f => f, StringComparer.Ordinal))
                if (Extensions.Contains(Path.GetExtension(file))) images.Add(file);
                else ignored++;
            return images;
        }
        var files = new List<string>();
        var labels = new List<int>();
        string[] names = [];
        if (classDirs.Length == 0)
        {
            files.AddRange(Images(folder));
            labels.AddRange(files.Select(_ => -1));
        }
        else
        {
            var found = classDirs.Select(d => (Name: Path.GetFileName(d), Images: Images(d))).Where(c => c.Images.Count > 0).ToList();
            names = classes is { Count: > 0 } ? [.. classes] : found.Select(c => c.Name).ToArray();
            var index = names.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal);
            var unknown = found.Where(c => !index.ContainsKey(c.Name)).Select(c => c.Name).ToList();
            if (unknown.Count > 0)
                throw new InvalidDataException($"{folder}: the class folder{(unknown.Count > 1 ? "s" : "")} {string.Join(", ", unknown.Take(10).Select(n => $"'{n}'"))}{(unknown.Count > 10 ? ", …" : "")} " +
                    $"{(unknown.Count > 1 ? "are" : "is")} not among the {names.Length} classes of the training images; their images could never be classified right");
            foreach (var (className, images) in found)
            {
                files.AddRange(images);
                labels.AddRange(images.Select(_ => index[className]));
            }
        }
        if (files.Count == 0)
            throw new InvalidDataException($"{folder}: no .jpg, .jpeg or .png images{(classDirs.Length > 0 ? $" in its {classDirs.Length} class folders" : "")}{(ignored > 0 ? $" ({ignored} other files ignored)" : "")}");
        var present = labels.ToHashSet();
        var absent = names.Where((_, i) => !present.Contains(i)).ToList();
        string name = classes is { Count: > 0 } && absent.Count > 0
            ? $"image folder {folder} (without the training class{(absent.Count > 1 ? "es" : "")} {string.Join(", ", absent.Take(5).Select(n => $"'{n}'"))}{(absent.Count > 5 ? $" and {absent.Count - 5} more" : "")})"
            : $"image folder {folder}";
        return new ImageFolderDataset(name, [.. files], [.. labels], names, channels, decoding ?? new ImageDecoding(), ignored);
    }
}
