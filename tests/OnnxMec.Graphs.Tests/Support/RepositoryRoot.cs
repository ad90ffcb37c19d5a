namespace OnnxMec.Graphs.Tests;

internal static class RepositoryRoot
{
    /// <summary>The folder holding OnnxMec.sln, found upwards from the test binaries.</summary>
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "OnnxMec.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no OnnxMec.sln above {AppContext.BaseDirectory}");
    }

    public static string Artifacts(string set) => System.IO.Path.Combine(Path, "artifacts", set);
}
