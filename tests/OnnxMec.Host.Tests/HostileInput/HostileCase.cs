namespace OnnxMec.Host.Tests.HostileInput;

/// <summary>
/// One hostile input: the command line (placeholders in braces name the files of
/// <see cref="HostileWorld"/>), the class of the issue it belongs to (1 silent wrong results,
/// 2 divergence and non-finite settings, 3 run-folder ownership, 4 work lost at the end, 5 files
/// checked before trusted, 6 datasets, 7 no stack traces), the exit code expected, and the words
/// its output must hold: the file or field at fault and what was expected.
/// </summary>
public sealed record HostileCase(int Class, string Name, int Exit, string CommandLine, string[] Expected)
{
    /// <summary>Run while this process holds the trained run's lock, as another training process would.</summary>
    public bool HoldsRunLock { get; init; }

    /// <summary>The placeholders and what they stand for.</summary>
    public static string Expand(string text, string newRun, string output) => text
        .Replace("{set}", HostFixture.TinySet, StringComparison.Ordinal)
        .Replace("{other-set}", HostileWorld.OtherSet, StringComparison.Ordinal)
        .Replace("{run}", HostileWorld.Run, StringComparison.Ordinal)
        .Replace("{ck}", HostileWorld.Checkpoint, StringComparison.Ordinal)
        .Replace("{bad}", HostileWorld.Bad, StringComparison.Ordinal)
        .Replace("{sets}", HostileWorld.Sets, StringComparison.Ordinal)
        .Replace("{images}", HostileWorld.Images, StringComparison.Ordinal)
        .Replace("{new}", newRun, StringComparison.Ordinal)
        .Replace("{out}", output, StringComparison.Ordinal);

    public override string ToString() => $"{Class}: {Name}";
}
