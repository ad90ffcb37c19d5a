namespace OnnxMec.Contract;

/// <summary>
/// Reads a file the user named only once it is known to be what a file should be: it exists, is
/// not a folder, is not empty, and is no larger than a cap. Pipes, sockets and devices report a
/// size of 0, so they are refused before they are opened (opening a pipe would wait for a writer,
/// and /dev/zero would never end). Every refusal is one InvalidDataException naming the file and
/// what was expected.
/// </summary>
public static class InputFiles
{
    /// <summary>Model files and safetensors are read whole into one array; .NET arrays hold under 2 GiB.</summary>
    public const long ModelLimit = 2_000_000_000;

    /// <summary>Config and manifest files: JSON a person or the builder wrote.</summary>
    public const long JsonLimit = 64L << 20;

    /// <summary>The length of a readable, non-empty file of at most <paramref name="limit"/> bytes.</summary>
    public static long Check(string path, string what, long limit)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new InvalidDataException($"{what}: an empty path");
        if (Directory.Exists(path)) throw new InvalidDataException($"{path}: is a folder; {what} must be a file");
        FileInfo info;
        try
        {
            info = new FileInfo(path);
            if (!info.Exists) throw new InvalidDataException($"{path}: no such file ({what})");
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new InvalidDataException($"{path}: not a usable path for {what} ({e.Message})");
        }
        if (info.Length == 0) throw new InvalidDataException($"{path}: empty, or not a regular file ({what})");
        if (info.Length > limit) throw new InvalidDataException($"{path}: {info.Length:N0} bytes is over the limit of {limit:N0} bytes for {what}");
        return info.Length;
    }

    public static byte[] ReadAll(string path, string what, long limit)
    {
        long length = Check(path, what, limit);
        using var stream = OpenChecked(path, what);
        try
        {
            var bytes = new byte[length];
            stream.ReadExactly(bytes);
            return bytes;
        }
        catch (EndOfStreamException) { throw new InvalidDataException($"{path}: the file shrank while it was read ({what})"); }
        catch (IOException e) { throw new InvalidDataException($"{path}: cannot be read ({what}): {e.Message}"); }
    }

    /// <summary>A stream over a checked file, for readers that parse as they read (IDX, gzip).</summary>
    public static FileStream OpenRead(string path, string what, long limit)
    {
        Check(path, what, limit);
        return OpenChecked(path, what);
    }

    private static FileStream OpenChecked(string path, string what)
    {
        try { return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16); }
        catch (UnauthorizedAccessException) { throw new InvalidDataException($"{path}: permission denied ({what})"); }
        catch (IOException e) { throw new InvalidDataException($"{path}: cannot be read ({what}): {e.Message}"); }
    }

    public static string ReadText(string path, string what, long limit = JsonLimit) => System.Text.Encoding.UTF8.GetString(ReadAll(path, what, limit));
}
