namespace OnnxMec.Data.Tests;

public class AugmentationTests
{
    private static FloatImage Ramp(int channels = 1, int size = 28)
    {
        var image = new FloatImage(channels, size, size);
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++) image.Data[(c * size + y) * size + x] = (x + 0.5f) / size;
        return image;
    }

    [Test]
    public void Flip_happens_about_half_the_time()
    {
        int flipped = 0;
        var flip = new HorizontalFlip(0.5);
        for (int i = 0; i < 4000; i++)
        {
            var image = Ramp(size: 4);
            var rng = new SampleRandom(1, 0, i, 1);
            flip.Apply(image, new FloatImage(1, 1, 1), ref rng);
            if (image.Data[0] > image.Data[3]) flipped++;
        }
        Assert.That(flipped / 4000.0, Is.EqualTo(0.5).Within(0.03));
    }

    [Test]
    public void Crops_keep_area_and_aspect_within_their_ranges()
    {
        var areas = new List<double>();
        for (int i = 0; i < 4000; i++)
        {
            var rng = new SampleRandom(2, 0, i, 1);
            var (top, left, h, w) = RandomResizedCrop.SampleCrop(224, 320, 0.2, 1.0, ref rng);
            Assert.That(top >= 0 && left >= 0 && top + h <= 224 && left + w <= 320, Is.True, $"crop {top},{left},{h},{w} inside the image");
            double area = (double)h * w / (224 * 320);
            Assert.That(area, Is.InRange(0.2 * 0.97, 1.0), "area fraction (rounding of the sides allows 3 % below)");
            Assert.That((double)w / h, Is.InRange(3.0 / 4 * 0.95, 4.0 / 3 * 1.05).Or.EqualTo(320.0 / 224));
            areas.Add(area);
        }
        Assert.That(areas.Count(a => a < 0.3), Is.GreaterThan(200), "small crops occur");
        Assert.That(areas.Count(a => a > 0.65), Is.GreaterThan(200), "large crops occur");
    }

    [Test]
    public void Solarize_is_never_in_view_1_and_blur_is_certain_in_view_1_and_rare_in_view_2()
    {
        var (view1, view2) = Recipes.ImageNet();
        Assert.That(view1.Steps.OfType<Solarize>(), Is.Empty);
        Assert.That(view2.Steps.OfType<Solarize>(), Has.Exactly(1).Items);
        double Rate(IAugmentation step)
        {
            int changed = 0;
            for (int i = 0; i < 3000; i++)
            {
                var image = Ramp(3, 8);
                var before = image.Data.ToArray();
                var rng = new SampleRandom(3, 0, i, 2);
                step.Apply(image, new FloatImage(1, 1, 1), ref rng);
                if (!image.Data.AsSpan(0, before.Length).SequenceEqual(before)) changed++;
            }
            return changed / 3000.0;
        }
        Assert.That(view2.Steps.OfType<Solarize>().Single().Probability, Is.EqualTo(0.2));
        Assert.That(view1.Steps.OfType<GaussianBlur>().Single().Probability, Is.EqualTo(1.0));
        Assert.That(view2.Steps.OfType<GaussianBlur>().Single().Probability, Is.EqualTo(0.1));
        Assert.That(Rate(view2.Steps.OfType<Solarize>().Single()), Is.EqualTo(0.2).Within(0.03));
        // σ of at least 1 always changes the ramp, so the rate seen is the probability.
        Assert.That(Rate(new GaussianBlur(1.0, 1, 2)), Is.EqualTo(1.0));
        Assert.That(Rate(new GaussianBlur(0.1, 1, 2)), Is.EqualTo(0.1).Within(0.02));
    }

    [Test]
    public void Solarize_inverts_exactly_the_values_at_or_above_128()
    {
        var image = new FloatImage(1, 1, 4);
        float[] values = [0.1f, 127f / 255, 128f / 255, 0.9f];
        values.CopyTo(image.Data, 0);
        var rng = new SampleRandom(0, 0, 0, 0);
        new Solarize(1.0).Apply(image, image, ref rng);
        Assert.That(image.Data.Take(4), Is.EqualTo(new[] { 0.1f, 127f / 255, 1 - 128f / 255, 1 - 0.9f }).Within(1e-6));
    }

    [Test]
    public void Gaussian_blur_keeps_the_mean_and_lowers_the_variance()
    {
        var image = new FloatImage(1, 32, 32);
        var rng = new SampleRandom(4, 0, 0, 0);
        for (int i = 0; i < 1024; i++) image.Data[i] = (float)rng.NextDouble();
        double mean = image.Data.Take(1024).Average(), variance = image.Data.Take(1024).Select(v => (v - mean) * (v - mean)).Average();
        new GaussianBlur(1.0, 1.5, 1.5).Apply(image, new FloatImage(1, 1, 1), ref rng);
        double blurredMean = image.Data.Take(1024).Average();
        Assert.That(blurredMean, Is.EqualTo(mean).Within(0.01));
        Assert.That(image.Data.Take(1024).Select(v => (v - blurredMean) * (v - blurredMean)).Average(), Is.LessThan(variance / 5));
    }

    [Test]
    public void Color_jitter_keeps_values_in_range_and_grayscale_equalises_channels()
    {
        var jitter = new ColorJitter(0.4, 0.4, 0.2, 0.1, 1.0);
        var grey = new Grayscale(1.0);
        for (int i = 0; i < 200; i++)
        {
            var image = Ramp(3, 8);
            image.Plane(1).Reverse();
            var rng = new SampleRandom(5, 0, i, 1);
            jitter.Apply(image, image, ref rng);
            Assert.That(image.Data.Take(192), Is.All.InRange(0f, 1f));
            grey.Apply(image, image, ref rng);
            Assert.That(image.Plane(0).ToArray(), Is.EqualTo(image.Plane(2).ToArray()));
        }
    }

    [Test]
    public void A_crop_of_the_whole_image_at_the_same_size_is_the_image()
    {
        var image = Ramp(1, 28);
        var spare = new FloatImage(1, 1, 1);
        var rng = new SampleRandom(0, 0, 0, 0);
        var result = new CenterCrop(28, 28).Apply(image, spare, ref rng);
        Assert.That(result.Data.Take(784), Is.EqualTo(image.Data.Take(784)).Within(1e-6));
    }

    [Test]
    public void Small_recipe_views_have_the_model_shape_and_are_normalised()
    {
        var (view1, _) = Recipes.Small(32, 3, [FashionMnist.Mean], [FashionMnist.Std]);
        var source = new FloatImage(1, 1, 1);
        TestFiles.Fmnist.Value.Read(0, source);
        var output = new float[view1.ElementCount];
        var rng = new SampleRandom(6, 0, 0, 1);
        view1.Produce(source, new FloatImage(1, 1, 1), new FloatImage(1, 1, 1), ref rng, output);
        Assert.That(output, Has.Length.EqualTo(3 * 32 * 32));
        Assert.That(output.Min(), Is.EqualTo(-FashionMnist.Mean / FashionMnist.Std).Within(1e-3), "black pixels normalise to −mean/std");
        Assert.That(output.AsSpan(0, 1024).ToArray(), Is.EqualTo(output.AsSpan(2048, 1024).ToArray()), "grey replicated to RGB");
    }

    [TestCase(0.0, false)]
    [TestCase(0.4, true)]
    public void Jitter_zero_leaves_intensities_as_cropped(double jitter, bool expectChanged)
    {
        // Whole-image crops at the same size: the only changes left are the flip and the jitter.
        var (view, _) = Recipes.Small(28, 1, [0f], [1f], minScale: 1, jitter: jitter);
        var ramp = Ramp(1, 28);
        var plain = ramp.Data.Take(784).ToArray();
        var mirrored = Enumerable.Range(0, 784).Select(i => plain[i / 28 * 28 + 27 - i % 28]).ToArray();
        int changed = 0;
        var output = new float[784];
        for (int i = 0; i < 50; i++)
        {
            var rng = new SampleRandom(3, 0, i, 1);
            view.Produce(ramp, new FloatImage(1, 1, 1), new FloatImage(1, 1, 1), ref rng, output);
            bool same = output.Zip(plain).All(p => Math.Abs(p.First - p.Second) < 1e-3)
                     || output.Zip(mirrored).All(p => Math.Abs(p.First - p.Second) < 1e-3);
            if (!same) changed++;
        }
        Assert.That(changed, expectChanged ? Is.GreaterThan(25) : Is.Zero, "views whose intensities differ from the (mirrored) image");
    }

    [TestCase(1f / 3, 0f, 1f, 0f)]
    [TestCase(1f / 6, 1f, 1f, 0f)]
    [TestCase(-1f / 3, 0f, 0f, 1f)]
    [TestCase(1f, 1f, 0f, 0f)]
    public void Hue_rotation_moves_red_around_the_colour_wheel(float turns, float r, float g, float b)
    {
        // 21 pixels: whole SIMD vectors and a scalar tail both see red, and the last one grey.
        var image = new FloatImage(3, 1, 21);
        image.Plane(0).Fill(1f);
        image.Plane(1).Clear();
        image.Plane(2).Clear();
        image.Plane(0)[20] = image.Plane(1)[20] = image.Plane(2)[20] = 0.4f;
        ColorJitter.RotateHue(image, turns);
        for (int i = 0; i < 20; i++)
            Assert.That(new[] { image.Plane(0)[i], image.Plane(1)[i], image.Plane(2)[i] }, Is.EqualTo(new[] { r, g, b }).Within(1e-5), $"pixel {i}");
        Assert.That(new[] { image.Plane(0)[20], image.Plane(1)[20], image.Plane(2)[20] }, Is.All.EqualTo(0.4f).Within(1e-6), "grey has no hue");
    }
}
