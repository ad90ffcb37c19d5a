namespace OnnxMec.Host.Cli;

/// <summary>Folders of the repository the CLI runs from (./onnxmec sets ONNXMEC_ROOT; else the working directory).</summary>
internal static class RepositoryPaths
{
    public static string Root => Environment.GetEnvironmentVariable("ONNXMEC_ROOT") is { Length: > 0 } root ? root : Directory.GetCurrentDirectory();

    public static string Artifacts => Path.Combine(Root, "artifacts");
}
