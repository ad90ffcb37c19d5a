namespace OnnxMec.Host.Cli;

/// <summary>
/// Folders of the repository the CLI runs from: ONNXMEC_ROOT (./onnxmec sets it), else the nearest
/// folder holding OnnxMec.sln above the working directory or the program, else the working directory.
/// </summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = Environment.GetEnvironmentVariable("ONNXMEC_ROOT") is { Length: > 0 } root
        ? root
        : Find(Directory.GetCurrentDirectory()) ?? Find(AppContext.BaseDirectory) ?? Directory.GetCurrentDirectory();

    private static string? Find(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "OnnxMec.sln"))) return dir.FullName;
        return null;
    }

    public static string Artifacts => Path.Combine(Root, "artifacts");

    /// <summary>A relative path is taken from the repository root, so configs work from any directory.</summary>
    public static string Resolve(string path) => Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(Root, path));
}
