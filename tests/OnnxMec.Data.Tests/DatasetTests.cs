using System.IO.Compression;

namespace OnnxMec.Data.Tests;

public class DatasetTests
{
    private string _folder = "";

    [SetUp]
    public void CreateFolder() => _folder = TestFiles.TempFolder("data");

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    public void The_embedded_fashion_mnist_test_split_has_10000_labelled_28x28_images()
    {
        var data = TestFiles.Fmnist.Value;
        Assert.That(data.Count, Is.EqualTo(10_000));
        Assert.That((data.Height, data.Width, data.Channels, data.ClassCount), Is.EqualTo((28, 28, 1, 10)));
        Assert.That(Enumerable.Range(0, data.Count).GroupBy(data.Label).Select(g => g.Count()), Is.All.EqualTo(1000));
        var image = new FloatImage(1, 1, 1);
        data.Read(0, image);
        Assert.That(image.Data.Take(784).Max(), Is.InRange(0.5f, 1f));
        Assert.That(image.Data.Take(784).Min(), Is.EqualTo(0f));
    }

    [Test]
    public void Raw_idx_files_read_like_the_gzipped_ones()
    {
        string images = Path.Combine(_folder, "images-idx3-ubyte"), labels = Path.Combine(_folder, "labels-idx1-ubyte");
        File.WriteAllBytes(images, Gunzip("fashion-mnist/t10k-images-idx3-ubyte.gz"));
        File.WriteAllBytes(labels, Gunzip("fashion-mnist/t10k-labels-idx1-ubyte.gz"));
        var raw = IdxDataset.Load(images, labels);
        Assert.That(raw.Count, Is.EqualTo(10_000));
        Assert.That(raw.Pixels(1234).ToArray(), Is.EqualTo(TestFiles.Fmnist.Value.Pixels(1234).ToArray()));
        Assert.That(raw.Label(1234), Is.EqualTo(TestFiles.Fmnist.Value.Label(1234)));
    }

    private static byte[] Gunzip(string resource)
    {
        using var stream = typeof(FashionMnist).Assembly.GetManifestResourceStream(resource)!;
        using var gzip = new GZipStream(stream, CompressionMode.Decompress);
        using var output = new MemoryStream();
        gzip.CopyTo(output);
        return output.ToArray();
    }

    [Test]
    public void An_idx_file_with_the_wrong_magic_number_or_size_is_refused_by_name()
    {
        string labels = Path.Combine(_folder, "labels-idx1-ubyte");
        File.WriteAllBytes(labels, Gunzip("fashion-mnist/t10k-labels-idx1-ubyte.gz"));
        var e = Assert.Throws<InvalidDataException>(() => IdxDataset.Load(labels, null))!;
        Assert.That(e.Message, Does.Contain(labels).And.Contain("magic number 0x00000801, expected 0x00000803"));

        string images = Path.Combine(_folder, "images-idx3-ubyte");
        File.WriteAllBytes(images, Gunzip("fashion-mnist/t10k-images-idx3-ubyte.gz")[..^100]);
        e = Assert.Throws<InvalidDataException>(() => IdxDataset.Load(images, null))!;
        Assert.That(e.Message, Does.Contain(images).And.Contain("7,840,000 bytes of data, the file has 7,839,900"));
    }

    [Test]
    public void Cifar_10_batches_read_back_the_images_and_labels_written_from_fashion_mnist()
    {
        var data = CifarDataset.Load([TestFiles.WriteCifar(_folder, 50)]);
        Assert.That((data.Count, data.Channels, data.ClassCount), Is.EqualTo((50, 3, 10)));
        var image = new FloatImage(1, 1, 1);
        data.Read(7, image);
        var source = TestFiles.Fmnist.Value.Pixels(7);
        Assert.That(image.Data[2 * 1024 + 5 * 32 + 9], Is.EqualTo(source[3 * 28 + 7] / 255f).Within(1e-6));
        Assert.That(data.Label(7), Is.EqualTo(TestFiles.Fmnist.Value.Label(7)));
    }

    [Test]
    public void Cifar_100_batches_use_the_fine_label()
    {
        var data = CifarDataset.Load([TestFiles.WriteCifar(_folder, 20, cifar100: true)], cifar100: true);
        Assert.That(data.ClassCount, Is.EqualTo(100));
        Assert.That(data.Label(3), Is.EqualTo(TestFiles.Fmnist.Value.Label(3)));
    }

    [Test]
    public void A_cifar_file_of_the_wrong_size_is_refused_by_name()
    {
        string path = TestFiles.WriteCifar(_folder, 3);
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..^1]);
        var e = Assert.Throws<InvalidDataException>(() => CifarDataset.Load([path]))!;
        Assert.That(e.Message, Does.Contain(path).And.Contain("not a whole number of CIFAR-10 records of 3073 bytes"));
    }

    [Test]
    public void An_image_folder_labels_by_class_folder_and_decodes_png_exactly()
    {
        TestFiles.WriteImageFolder(_folder, 30);
        File.WriteAllText(Path.Combine(_folder, "class_0", "README.txt"), "not an image");
        var data = ImageFolderDataset.Open(_folder, channels: 1);
        Assert.That(data.Count, Is.EqualTo(30));
        Assert.That(data.IgnoredFiles, Is.EqualTo(1));
        int first = Enumerable.Range(0, data.Count).First(i => data.File(i).EndsWith("00000.png", StringComparison.Ordinal));
        Assert.That(data.Classes[data.Label(first)], Is.EqualTo($"class_{TestFiles.Fmnist.Value.Label(0)}"));
        var image = new FloatImage(1, 1, 1);
        data.Read(first, image);
        Assert.That(image.Data.Take(784).Select(v => (int)Math.Round(v * 255)), Is.EqualTo(TestFiles.Fmnist.Value.Pixels(0).ToArray().Select(b => (int)b)));
    }

    [Test]
    public void Test_folder_labels_are_the_training_folders_class_indices_matched_by_name()
    {
        // Fashion-MNIST's first 30 images cover every class; the test folder keeps two of them,
        // and an empty class folder is no class at all.
        string train = TestFiles.WriteImageFolder(Path.Combine(_folder, "train"), 30), test = Path.Combine(_folder, "test");
        foreach (var name in new[] { "class_3", "class_7" })
        {
            Directory.CreateDirectory(Path.Combine(test, name));
            foreach (var file in Directory.GetFiles(Path.Combine(train, name))) File.Copy(file, Path.Combine(test, name, Path.GetFileName(file)));
        }
        Directory.CreateDirectory(Path.Combine(test, "class_0_empty"));
        var bank = ImageFolderDataset.Open(train, channels: 1);
        var queries = ImageFolderDataset.Open(test, channels: 1, classes: bank.Classes);
        Assert.That(queries.ClassCount, Is.EqualTo(bank.ClassCount));
        Assert.That(Enumerable.Range(0, queries.Count).Select(i => bank.Classes[queries.Label(i)]).Distinct(), Is.EquivalentTo(new[] { "class_3", "class_7" }));
        Assert.That(queries.Name, Does.Contain("without the training classes"));

        Directory.CreateDirectory(Path.Combine(test, "zebra"));
        File.Copy(Directory.GetFiles(Path.Combine(train, "class_3"))[0], Path.Combine(test, "zebra", "0.png"));
        Assert.That(() => ImageFolderDataset.Open(test, channels: 1, classes: bank.Classes),
            Throws.InstanceOf<InvalidDataException>().With.Message.Contains("'zebra'").And.Message.Contains(test));
    }

    [Test]
    public void Evaluation_images_leave_out_an_unreadable_file_only_when_asked()
    {
        TestFiles.WriteImageFolder(_folder, 6, classFolders: false);
        string broken = Directory.GetFiles(_folder).Order(StringComparer.Ordinal).ElementAt(2);
        File.WriteAllText(broken, "not an image");
        var data = ImageFolderDataset.Open(_folder, channels: 1);
        var recipe = Recipes.Evaluation(28, 1, [0.5f], [0.5f], null);
        var destination = new float[data.Count * recipe.ElementCount];
        Assert.That(() => EvaluationImages.Fill(data, recipe, 0, data.Count, destination),
            Throws.InstanceOf<InvalidDataException>().With.Message.Contains(broken), "one error naming the file, not an AggregateException");
        Assert.That(EvaluationImages.Fill(data, recipe, 0, data.Count, destination, skipBad: true), Is.EqualTo(new[] { true, true, false, true, true, true }));
    }

    [Test]
    public void A_flat_folder_is_an_unlabelled_dataset()
    {
        TestFiles.WriteImageFolder(_folder, 6, classFolders: false);
        var data = ImageFolderDataset.Open(_folder);
        Assert.That((data.Count, data.ClassCount, data.Label(0), data.Channels), Is.EqualTo((6, 0, -1, 3)));
    }

    [Test]
    public void An_empty_folder_is_refused()
    {
        File.WriteAllText(Path.Combine(_folder, "notes.txt"), "x");
        Assert.That(() => ImageFolderDataset.Open(_folder), Throws.InstanceOf<InvalidDataException>()
            .With.Message.Contains(_folder).And.Message.Contains("no .jpg, .jpeg or .png images").And.Message.Contains("1 other files ignored"));
    }

    [Test]
    public void A_non_image_a_truncated_jpeg_and_an_oversized_image_are_each_reported_by_file()
    {
        TestFiles.WriteImageFolder(_folder, 4, size: 64, classFolders: false);
        string fake = Path.Combine(_folder, "fake.jpg");
        File.WriteAllText(fake, "this is text");
        string jpeg = Directory.GetFiles(_folder, "*.jpg").First(f => f != fake);
        string cut = Path.Combine(_folder, "cut.jpg");
        File.WriteAllBytes(cut, File.ReadAllBytes(jpeg)[..^200]);
        var data = ImageFolderDataset.Open(_folder, 3, new ImageDecoding(maxPixels: 1000));
        var image = new FloatImage(1, 1, 1);
        int Index(string path) => Enumerable.Range(0, data.Count).First(i => data.File(i) == path);
        Assert.That(() => data.Read(Index(fake), image), Throws.InstanceOf<InvalidDataException>().With.Message.Contains(fake).And.Message.Contains("not a JPEG or PNG"));
        Assert.That(() => data.Read(Index(cut), image), Throws.InstanceOf<InvalidDataException>().With.Message.Contains(cut).And.Message.Contains("truncated"));
        Assert.That(() => data.Read(Index(jpeg), image), Throws.InstanceOf<InvalidDataException>().With.Message.Contains(jpeg).And.Message.Contains("over the limit of 1,000"));
    }

    [Test]
    public void The_debian_train_split_is_found_where_installed()
    {
        var train = FashionMnist.Train();
        if (Directory.Exists(FashionMnist.SystemFolder)) Assert.That(train!.Count, Is.EqualTo(60_000));
        else Assert.That(train, Is.Null);
        Assert.That(FashionMnist.Train(_folder), Is.Null, "a folder without the files gives no dataset");
    }
}
