using System.CommandLine;
using System.Globalization;
using OnnxMec.Contract;
using OnnxMec.Graphs;

namespace OnnxMec.Host.Cli;

/// <summary>`onnxmec artifacts build`: writes an artifact set (graphs, manifest, initial weights) for a preset or a custom config.</summary>
internal static class ArtifactsCommand
{
    public static Command Create()
    {
        var d = new ArtifactConfig();
        string Default(object value) => $"(default: the preset's; for an arch, {Convert.ToString(value, CultureInfo.InvariantCulture)})";
        var model = new Option<string>("--model") { Description = $"A preset ({string.Join(", ", ArtifactPresets.All.Keys)}) or a backbone ({string.Join(", ", Backbones.All.Names)})", Required = true };
        var name = new Option<string?>("--name") { Description = "Set name (default: the preset's, or one made from the config)" };
        var width = new Option<double?>("--width") { Description = $"Width multiplier of the ResNet stages {Default(d.Width)}" };
        var image = new Option<int?>("--image") { Description = $"Image size S of the [N, C, S, S] input {Default(d.ImageSize)}" };
        var channels = new Option<int?>("--channels") { Description = $"Input channels C {Default(d.Channels)}" };
        var stem = new Option<string?>("--stem") { Description = $"imagenet (7×7 stride-2 conv and max-pool, for ~224 px) or cifar (3×3 stride-1 conv, no max-pool, for 28–64 px) {Default(d.Stem)}" };
        var projDims = new Option<string?>("--proj-dims") { Description = $"Projector layer sizes, comma-separated; the last is the embedding dim {Default(string.Join(",", d.ProjectorDims))}" };
        var predDim = new Option<int?>("--pred-dim") { Description = $"Predictor hidden size {Default(d.PredictorHidden)}" };
        var loss = new Option<string?>("--loss") { Description = $"The loss ({string.Join(", ", Losses.All.Names)}) {Default(d.Loss)}" };
        var order = new Option<int?>("--order") { Description = $"Taylor order n of the MEC loss, 1 to 8 {Default(d.Order)}" };
        var form = new Option<string?>("--form") { Description = $"batch (m×m) or feature (d×d) form of the loss {Default(d.Form)}" };
        var optimizer = new Option<string?>("--optimizer") { Description = $"sgd or lars {Default(d.Optimizer)}" };
        var weightDecay = new Option<double?>("--weight-decay") { Description = $"Weight decay of the optimizer {Default(d.WeightDecay)}" };
        var seed = new Option<int?>("--seed") { Description = $"Seed of the initial weights {Default(d.Seed)}" };
        var output = new Option<string?>("--out") { Description = "Output folder (default: artifacts/<name>)" };
        var json = new Option<bool>("--json") { Description = "End with one line of JSON holding the results" };

        var build = new Command("build", "Build an artifact set: training, optimizer, EMA, eval and fused train_step graphs with manifest.json")
        {
            model, name, width, image, channels, stem, projDims, predDim, loss, order, form, optimizer, weightDecay, seed, output, json,
        };
        build.SetAction(parse =>
        {
            var console = parse.InvocationConfiguration.Output;
            string modelName = parse.GetValue(model)!;
            var config = ArtifactPresets.All.TryGetValue(modelName, out var preset) ? preset : new ArtifactConfig { Arch = modelName };
            bool custom = preset is null;
            T? Pick<T>(Option<T?> o) where T : struct { var v = parse.GetValue(o); custom |= v is not null; return v; }
            string? PickText(Option<string?> o) { var v = parse.GetValue(o); custom |= v is not null; return v; }
            config = config with
            {
                Width = Pick(width) ?? config.Width,
                ImageSize = Pick(image) ?? config.ImageSize,
                Channels = Pick(channels) ?? config.Channels,
                Stem = PickText(stem) ?? config.Stem,
                ProjectorDims = PickText(projDims) is { } dims ? ParseDims(dims) : config.ProjectorDims,
                PredictorHidden = Pick(predDim) ?? config.PredictorHidden,
                Loss = PickText(loss) ?? config.Loss,
                Order = Pick(order) ?? config.Order,
                Form = PickText(form) ?? config.Form,
                Optimizer = PickText(optimizer) ?? config.Optimizer,
                WeightDecay = Pick(weightDecay) ?? config.WeightDecay,
                Seed = Pick(seed) ?? config.Seed,
            };
            var errors = ArtifactPlan.Validate(config);
            if (errors.Count > 0) throw new ArgumentException(Problems.Join("invalid artifact config", errors));
            string setName = parse.GetValue(name) ?? (custom ? DerivedName(config) : modelName);
            string folder = parse.GetValue(output) ?? Path.Combine(RepositoryPaths.Artifacts, setName);

            console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Building '{setName}': {config.Arch} with the {config.Stem} stem, width {config.Width}, input [N, {config.Channels}, {config.ImageSize}, {config.ImageSize}], " +
                $"projector {string.Join("-", config.ProjectorDims)}, predictor {config.PredictorHidden}, {config.Loss} loss (order {config.Order}, {config.Form} form), {config.Optimizer}"));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            if (!Manifest.IsPlainFileName(setName)) throw new ArgumentException($"--name '{setName}': a set name must be a plain name, without folders");
            var set = ArtifactSetBuilder.Build(setName, config);
            set.WriteTo(folder);
            long parameters = set.Manifest.Tensors.Where(t => t.Role == Roles.Param).Sum(t => t.Shape.Aggregate(1L, (a, b) => a * b));
            console.WriteLine($"Artifact set '{setName}' written to {folder} in {clock.Elapsed.TotalSeconds:F1} s ({parameters:N0} online parameters):");
            foreach (var file in set.Files) console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {file.Name,-32} {file.Bytes.Length / 1024.0,10:F0} KiB"));
            if (set.Manifest.Weights.File is null) console.WriteLine($"  (initial weights are made from seed {config.Seed} on first use)");
            if (parse.GetValue(json))
                CliOutput.Json(console, new ArtifactsBuildJson(setName, folder, parameters, set.Files.Select(f => f.Name).Append(Manifest.FileName).ToList(), clock.Elapsed.TotalSeconds));
            return 0;
        });
        return new Command("artifacts", "Build ONNX training artifact sets") { build };
    }

    private static int[] ParseDims(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int d) ? d : -1).ToArray();

    private static string DerivedName(ArtifactConfig c) => string.Create(CultureInfo.InvariantCulture,
        $"{c.Arch}-{c.Stem}-w{c.Width}-s{c.ImageSize}-c{c.Channels}-p{string.Join("x", c.ProjectorDims)}-h{c.PredictorHidden}-o{c.Order}-{c.Form}-{c.Optimizer}");
}

/// <summary>`artifacts build --json`.</summary>
internal sealed record ArtifactsBuildJson(string Name, string Folder, long Parameters, IReadOnlyList<string> Files, double Seconds);
