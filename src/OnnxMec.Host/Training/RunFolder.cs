namespace OnnxMec.Host.Training;

/// <summary>The files of a run: resolved config, metrics, checkpoints, exported encoder and chart.</summary>
internal sealed class RunFolder
{
    public RunFolder(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }
    public string Config => System.IO.Path.Combine(Path, "config.json");
    public string Metrics => System.IO.Path.Combine(Path, "metrics.jsonl");
    public string Checkpoints => System.IO.Path.Combine(Path, "checkpoints");
    public string Encoder => System.IO.Path.Combine(Path, "encoder.onnx");
    public string Chart => System.IO.Path.Combine(Path, "training.png");
}
