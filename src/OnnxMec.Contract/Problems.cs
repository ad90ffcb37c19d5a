namespace OnnxMec.Contract;

/// <summary>
/// One message for every problem found at once: the first problem on the line of the heading, so
/// the first line alone says what is wrong, and the others below it, one a line.
/// </summary>
public static class Problems
{
    public static string Join(string heading, IReadOnlyList<string> problems) => problems.Count switch
    {
        0 => heading,
        1 => $"{heading}: {problems[0]}",
        _ => $"{heading} ({problems.Count} problems): {problems[0]}\n  " + string.Join("\n  ", problems.Skip(1)),
    };
}
