using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.OnnxRuntime;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace OnnxMec.Host.Tests;

/// <summary>
/// The README's image-folder example, run as it is written there: its config and its commands,
/// from a working directory that holds the folders it names (generated PNGs), with the tiny
/// artifact set and one short epoch in place of the example's set and length.
/// </summary>
public partial class ImageFolderTests
{
    private static readonly string[] Classes = ["cat", "dog", "fox"];

    [Test]
    public void Image_folder_example_of_the_README_trains_evaluates_and_exports()
    {
        var (config, commands, printed) = ReadmeExample();
        string work = Directory.CreateTempSubdirectory("onnxmec-readme-folder-").FullName;
        try
        {
            MakeClassFolders(Path.Combine(work, "pets", "train"), perClass: 30);
            MakeClassFolders(Path.Combine(work, "pets", "test"), perClass: 10);
            File.WriteAllText(Path.Combine(work, "pets.json"), config);
            Assert.That(commands, Has.Count.EqualTo(3), "train, eval knn, export");

            // The example's own settings, but the tiny set and one epoch of 5 steps.
            var (trainExit, train) = RunIn(work, [.. commands[0], "--set", $"Artifacts={HostFixture.TinySet}", "--set", "Epochs=1", "--set", "BatchSize=16", "--set", "Threads=1", "--json"]);
            Assert.That(trainExit, Is.Zero, train);
            foreach (var line in printed) Assert.That(train, Does.Contain(line), "the loader's report as the README shows it");
            string checkpoints = Path.Combine(work, "runs", "pets", "checkpoints");
            Assert.That(File.Exists(Path.Combine(checkpoints, "best.safetensors")) && File.Exists(Path.Combine(checkpoints, "latest.safetensors")), Is.True);

            var (knnExit, knn) = RunIn(work, [.. commands[1], "--threads", "1", "--json"]);
            Assert.That(knnExit, Is.Zero, knn);
            Assert.That(knn, Does.Contain("3 classes from its sub-folders (cat, dog, fox)").And.Contain("from the data settings of the checkpoint's run"));
            Assert.That(JsonDocument.Parse(CliRunner.LastLine(knn)).RootElement.GetProperty("queries").GetInt32(), Is.EqualTo(30));

            var (exportExit, export) = RunIn(work, commands[2]);
            Assert.That(exportExit, Is.Zero, export);
            using var session = new InferenceSession(Path.Combine(work, "pets-encoder.onnx"));
            var metadata = session.ModelMetadata.CustomMetadataMap;
            Assert.That((metadata["onnxmec.input_channels"], metadata["onnxmec.input_size"]), Is.EqualTo(("1", "28")));
            Assert.That((metadata["onnxmec.mean"], metadata["onnxmec.std"]), Is.EqualTo(("0.449", "0.226")), "ImageNet's mean and std, averaged for a grey set");
            Assert.That(session.InputMetadata["images"].Dimensions[1..], Is.EqualTo(new[] { 1, 28, 28 }));
            Assert.That(session.OutputMetadata["features"].Dimensions[^1].ToString(System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(metadata["onnxmec.feature_dim"]));

            // Evaluated elsewhere, the exported encoder brings its normalisation along.
            var (encoderExit, encoder) = CliRunner.Run("eval", "knn", "--encoder", Path.Combine(work, "pets-encoder.onnx"), "--threads", "1",
                "--set", "Data:Source=fashion-mnist-embedded", "--set", "Data:EmbeddedQueries=9000");
            Assert.That(encoderExit, Is.Zero, encoder);
            Assert.That(encoder, Does.Contain("normalised as the encoder's metadata says").And.Contain("normalised with mean [0.449] and std [0.226]"));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [Test]
    public void A_flat_folder_trains_unlabelled_keeps_latest_and_no_best_and_says_no_knn_was_measured()
    {
        string flat = Path.Combine(HostFixture.Root, "flat-images");
        MakeImages(flat, "circle", 40);
        string run = HostFixture.NewRunDir("flat");
        var (exit, output) = CliRunner.Run("train", "--run-dir", run, "--json", "--set", $"Artifacts={HostFixture.TinySet}", "--set", "Data:Source=folder",
            "--set", $"Data:Train={flat}", "--set", "BatchSize=16", "--set", "Epochs=1", "--set", "Threads=1");
        Assert.That(exit, Is.Zero, output);
        Assert.That(output, Does.Contain("40 images, unlabelled").And.Contain("no kNN is measured"));
        Assert.That(File.Exists(Path.Combine(run, "checkpoints", "latest.safetensors")), Is.True);
        Assert.That(File.Exists(Path.Combine(run, "checkpoints", "best.safetensors")), Is.False, "no score was measured, so nothing is best");
        var json = JsonDocument.Parse(CliRunner.LastLine(output)).RootElement;
        Assert.That(json.GetProperty("knn_top1").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(json.GetProperty("knn_last_top1").ValueKind, Is.EqualTo(JsonValueKind.Null));
    }

    /// <summary>The README's folder example: the JSON config, the ./onnxmec commands as argument lists, and the lines it shows the run printing.</summary>
    private static (string Config, List<string[]> Commands, List<string> Printed) ReadmeExample()
    {
        string readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        string section = readme[readme.IndexOf("## Your own images", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("\n## ", 1, StringComparison.Ordinal)];
        var blocks = CodeBlock().Matches(section).Select(m => (Language: m.Groups[1].Value, Text: m.Groups[2].Value)).ToList();
        string config = blocks.Single(b => b.Language == "json").Text;
        var commands = blocks.Single(b => b.Language == "bash").Text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.StartsWith("./onnxmec ", StringComparison.Ordinal))
            .Select(l => l["./onnxmec ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        var printed = blocks.Single(b => b.Text.StartsWith("Data:", StringComparison.Ordinal)).Text.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
        return (config, commands, printed);
    }

    [GeneratedRegex(@"```(\w*)\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CodeBlock();

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "OnnxMec.sln"))) return dir.FullName;
        throw new InvalidOperationException("the tests run outside the repository: no OnnxMec.sln above " + AppContext.BaseDirectory);
    }

    private static void MakeClassFolders(string folder, int perClass)
    {
        foreach (var name in Classes) MakeImages(Path.Combine(folder, name), name, perClass);
    }

    /// <summary>64×48 RGB PNGs of one shape per class (cat: discs, dog: squares, fox: triangles) in random places and colours.</summary>
    private static void MakeImages(string folder, string kind, int count)
    {
        Directory.CreateDirectory(folder);
        var rng = new Random(kind.Length * 7919 + count);
        for (int i = 0; i < count; i++)
        {
            using var image = new Image<Rgb24>(64, 48);
            double cx = rng.Next(20, 44), cy = rng.Next(16, 32), r = rng.Next(8, 14);
            var colour = new Rgb24((byte)rng.Next(100, 256), (byte)rng.Next(100, 256), (byte)rng.Next(100, 256));
            for (int y = 0; y < 48; y++)
                for (int x = 0; x < 64; x++)
                {
                    double dx = x - cx, dy = y - cy;
                    bool inside = kind switch
                    {
                        "dog" => Math.Abs(dx) < r && Math.Abs(dy) < r,
                        "fox" => Math.Abs(dy) < r && Math.Abs(dx) < (dy + r) / 2,
                        _ => dx * dx + dy * dy < r * r,
                    };
                    image[x, y] = inside ? colour : new Rgb24(20, 20, 20);
                }
            image.SaveAsPng(Path.Combine(folder, $"{i:D4}.png"));
        }
    }

    /// <summary>The CLI in its own process, in <paramref name="directory"/> with it as the repository root, as ./onnxmec runs there.</summary>
    private static (int Exit, string Output) RunIn(string directory, string[] args)
    {
        string dll = typeof(Cli.OnnxMecCommandLine).Assembly.Location, bin = Path.GetDirectoryName(dll)!;
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.Environment["ONNXMEC_ROOT"] = directory;
        foreach (var a in new[] { "exec", "--runtimeconfig", Path.Combine(bin, "OnnxMec.Host.Tests.runtimeconfig.json"), "--depsfile", Path.Combine(bin, "OnnxMec.Host.Tests.deps.json"), dll })
            start.ArgumentList.Add(a);
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.That(process.WaitForExit(TimeSpan.FromMinutes(3)), Is.True, "the command finishes");
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
