namespace OnnxMec.Data;

/// <summary>The per-view augmentation recipes of the reference code (MoCo v3's for ImageNet) and one for small images.</summary>
public static class Recipes
{
    /// <summary>
    /// ImageNet, per view: RandomResizedCrop(size, 0.2–1), ColorJitter(0.4, 0.4, 0.2, 0.1) p 0.8,
    /// grayscale p 0.2, Gaussian blur σ ∈ [0.1, 2] (p 1.0 view 1, 0.1 view 2), solarize p 0.2 (view 2
    /// only), flip p 0.5, ImageNet mean/std. Another jitter strength s scales all four factors alike:
    /// (s, s, s/2, s/4).
    /// </summary>
    public static (ViewRecipe View1, ViewRecipe View2) ImageNet(int size = 224, double minScale = 0.2, double jitter = DefaultJitter)
    {
        ColorJitter Jitter() => new(jitter, jitter, jitter / 2, jitter / 4, 0.8);
        return (
            new ViewRecipe(new RandomResizedCrop(size, minScale), [Jitter(), new Grayscale(0.2), new GaussianBlur(1.0), new HorizontalFlip(0.5)], Normalize.ImageNet, size, 3),
            new ViewRecipe(new RandomResizedCrop(size, minScale), [Jitter(), new Grayscale(0.2), new GaussianBlur(0.1), new Solarize(0.2), new HorizontalFlip(0.5)], Normalize.ImageNet, size, 3)
        );
    }

    /// <summary>Brightness and contrast jitter strength of both recipes (MoCo v3's).</summary>
    public const double DefaultJitter = 0.4;

    /// <summary>
    /// 28×28 and 32×32 data, both views alike: RandomResizedCrop(size, minScale–1), flip p 0.5,
    /// brightness/contrast jitter (± jitter, 0.4 by default) with p 0.8 (random order), grayscale p 0.2
    /// where there is colour.
    /// </summary>
    public static (ViewRecipe View1, ViewRecipe View2) Small(int size, int channels, float[] mean, float[] std, double minScale = 0.2, double jitter = DefaultJitter)
    {
        ViewRecipe View() => new(new RandomResizedCrop(size, minScale),
            channels == 3 ? [new HorizontalFlip(0.5), new ColorJitter(jitter, jitter, 0, 0, 0.8), new Grayscale(0.2)] : [new HorizontalFlip(0.5), new ColorJitter(jitter, jitter, 0, 0, 0.8)],
            new Normalize(mean, std), size, channels);
        return (View(), View());
    }

    /// <summary>The un-augmented evaluation view: resize and centre crop (ImageNet: 256 then 224), normalise.</summary>
    public static ViewRecipe Evaluation(int size, int channels, float[] mean, float[] std, int? resize = null) =>
        new(new CenterCrop(size, resize ?? size), [], new Normalize(mean, std), size, channels);
}
