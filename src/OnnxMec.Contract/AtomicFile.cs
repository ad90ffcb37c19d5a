namespace OnnxMec.Contract;

/// <summary>
/// Writes a file so that a crash never leaves it half-written: the bytes go to a temporary file
/// beside it, are flushed to disk, and the temporary file is renamed over the target. A failed
/// write (a full disk, no permission) leaves the previous file as it was, removes the temporary
/// one and is reported as one error naming the path. Only a regular file is ever replaced.
/// </summary>
public static class AtomicFile
{
    public static void Write(string path, Action<Stream> write)
    {
        string full = CheckTarget(path);
        string temp = full + ".tmp-" + Environment.ProcessId;
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentOutOfRangeException { ParamName: "value" })
        {
            // .NET reports EFBIG (a write past the file-size limit) as an ArgumentOutOfRangeException for "value".
            TryDelete(temp);
            string reason = e is ArgumentOutOfRangeException ? "the file is larger than the file system or the process's file-size limit allows" : e.Message;
            throw new InvalidDataException($"{full}: cannot be written: {reason}", e);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    public static void WriteAllBytes(string path, byte[] bytes) => Write(path, s => s.Write(bytes));

    public static void WriteAllText(string path, string text) => WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>
    /// The full path of an output, refused when it names a folder, or an existing file of size 0:
    /// devices, pipes and sockets report 0, and a rename over one of them (/dev/null) would
    /// replace it.
    /// </summary>
    public static string CheckTarget(string path)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new InvalidDataException("an output path is empty");
        string full;
        try { full = Path.GetFullPath(path); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException) { throw new InvalidDataException($"{path}: not a usable output path ({e.Message})"); }
        if (Directory.Exists(full)) throw new InvalidDataException($"{full}: is a folder; the output must name a file");
        if (File.Exists(full) && new FileInfo(full).Length == 0)
            throw new InvalidDataException($"{full}: exists and is empty or not a regular file; it is not replaced (remove it, or choose another path)");
        if (Path.GetDirectoryName(full) is { } parent && File.Exists(parent)) throw new InvalidDataException($"{parent}: is a file, not a folder to write {Path.GetFileName(full)} into");
        return full;
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
