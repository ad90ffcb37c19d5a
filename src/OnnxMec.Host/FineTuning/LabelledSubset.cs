using OnnxMec.Data;

namespace OnnxMec.Host.FineTuning;

/// <summary>
/// A class-balanced, seeded subset of a labelled dataset: the same share of every class, drawn from
/// one shuffle of each class's images, as the semi-supervised protocols take 1 % and 10 % of the
/// labels. The same seed gives the same images.
/// </summary>
internal sealed class LabelledSubset : IImageDataset
{
    private readonly IImageDataset _inner;
    private readonly int[] _indices;

    public LabelledSubset(IImageDataset inner, double fraction, int seed)
    {
        if (inner.ClassCount == 0) throw new InvalidDataException($"{inner.Name}: the images are unlabelled; fine-tuning needs labels");
        if (!(fraction is > 0 and <= 1)) throw new ArgumentException($"a label fraction of {fraction} is not in (0, 1]");
        _inner = inner;
        var byClass = Enumerable.Range(0, inner.Count).GroupBy(inner.Label).Where(g => g.Key >= 0).OrderBy(g => g.Key);
        var chosen = new List<int>();
        foreach (var images in byClass)
        {
            var shuffled = images.ToArray();
            var rng = new SampleRandom(seed, 0, images.Key, 7);
            for (int i = shuffled.Length - 1; i > 0; i--)
            {
                int j = rng.Next(i + 1);
                (shuffled[i], shuffled[j]) = (shuffled[j], shuffled[i]);
            }
            chosen.AddRange(shuffled.Take(Math.Max(1, (int)Math.Round(fraction * shuffled.Length))));
        }
        _indices = [.. chosen.Order()];
        Name = $"{fraction:P0} of the labels of {inner.Name} ({_indices.Length:N0} images, seed {seed})";
    }

    public string Name { get; }
    public int Count => _indices.Length;
    public int Channels => _inner.Channels;
    public int ClassCount => _inner.ClassCount;
    public int Label(int index) => _inner.Label(_indices[index]);
    public void Read(int index, FloatImage into) => _inner.Read(_indices[index], into);
}
