using System.Globalization;

namespace OnnxMec.Host.Training;

/// <summary>
/// The files of a run (resolved config, metrics, checkpoints, exported encoder, chart), owned by
/// one process at a time: <c>run.lock</c> is held open exclusively for the whole run (the kernel
/// drops the lock when the process dies, even by SIGKILL) and names the holder's PID. A fresh run
/// only starts in an empty or new folder; temporary files a killed run left behind are removed
/// once the lock is held. A run that ends before writing anything leaves the disk as it found it:
/// the lock file and the folder are removed again where this run created them.
/// </summary>
/// <remarks>
/// .NET takes the lock with flock(2) (FileShare.None), so a second opener, even a reader, is
/// refused; the holder's PID is found in /proc/locks and confirmed by its open file descriptors.
/// </remarks>
internal sealed class RunFolder : IDisposable
{
    public const string LockFile = "run.lock";
    private readonly FileStream _lock;
    private readonly bool _createdFolder, _createdLock;

    private RunFolder(string path, FileStream lockStream, bool createdFolder, bool createdLock)
    {
        Path = path;
        _lock = lockStream;
        _createdFolder = createdFolder;
        _createdLock = createdLock;
    }

    public string Path { get; }
    public string Config => System.IO.Path.Combine(Path, "config.json");
    public string Metrics => System.IO.Path.Combine(Path, "metrics.jsonl");
    public string Checkpoints => System.IO.Path.Combine(Path, "checkpoints");
    public string Encoder => System.IO.Path.Combine(Path, "encoder.onnx");
    public string Chart => System.IO.Path.Combine(Path, "training.png");

    /// <summary>Takes the folder for a run: creates it if needed, locks it, refuses one that holds something else unless resuming, cleans stale temporaries.</summary>
    public static RunFolder Acquire(string path, bool resume)
    {
        path = System.IO.Path.GetFullPath(path);
        if (File.Exists(path)) throw new InvalidDataException($"{path}: is a file; the run folder (--run-dir) must be a folder");
        bool createdFolder = !Directory.Exists(path), createdLock = !File.Exists(System.IO.Path.Combine(path, LockFile));
        try
        {
            Directory.CreateDirectory(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{path}: cannot create the run folder: {e.Message}");
        }
        FileStream lockStream;
        try
        {
            lockStream = Lock(path);
        }
        catch
        {
            if (createdFolder) TryRemoveFolder(path);
            throw;
        }
        var folder = new RunFolder(path, lockStream, createdFolder, createdLock);
        try
        {
            var others = Directory.EnumerateFileSystemEntries(path).Where(p => System.IO.Path.GetFileName(p) != LockFile).ToList();
            if (!resume && others.Count > 0)
                throw new InvalidDataException($"{path}: the run folder already holds {string.Join(", ", others.Take(4).Select(System.IO.Path.GetFileName))}{(others.Count > 4 ? ", …" : "")}; " +
                    "continue that run with --resume, or give a new or empty --run-dir");
            if (resume && !File.Exists(System.IO.Path.Combine(path, "config.json")) && !Directory.Exists(System.IO.Path.Combine(path, "checkpoints")))
                throw new InvalidDataException($"{path}: no run to resume here (no config.json, no checkpoints/)");
            folder.RemoveStaleTemporaries();
            return folder;
        }
        catch
        {
            folder.Dispose();
            throw;
        }
    }

    private static FileStream Lock(string folder)
    {
        string file = System.IO.Path.Combine(folder, LockFile);
        try
        {
            var stream = new FileStream(file, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            stream.SetLength(0);
            stream.Write(System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n"));
            stream.Flush(flushToDisk: true);
            return stream;
        }
        catch (IOException) when (File.Exists(file))
        {
            string holder = LockHolder(file) is { } pid ? $"process {pid}" : "another process";
            throw new InvalidDataException($"{folder}: the run folder is in use by {holder} (it holds {LockFile}); wait for it to end or give another --run-dir");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{folder}: cannot write the run folder ({(e is UnauthorizedAccessException ? "permission denied" : e.Message)})");
        }
    }

    /// <summary>The PID of the process holding an exclusive flock on the file, where /proc tells.</summary>
    private static int? LockHolder(string file)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/locks"))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length < 5 || fields[1] != "FLOCK" || fields[3] != "WRITE" || !int.TryParse(fields[4], CultureInfo.InvariantCulture, out int pid)) continue;
                string fds = $"/proc/{pid}/fd";
                if (Directory.Exists(fds) && Directory.EnumerateFileSystemEntries(fds).Any(fd => new FileInfo(fd).LinkTarget == file)) return pid;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return null;
    }

    /// <summary>Files an atomic write leaves as "*.tmp-PID" when its process is killed mid-write; with the lock held, no one else is writing them.</summary>
    private void RemoveStaleTemporaries()
    {
        foreach (var dir in new[] { Path, Checkpoints }.Where(Directory.Exists))
            foreach (var file in Directory.EnumerateFiles(dir, "*.tmp-*"))
                File.Delete(file);
    }

    /// <summary>
    /// Releases the lock. Where the folder holds nothing else, the lock file (and the folder) this
    /// run created are removed first, while the lock is still held, so no other process is locking
    /// the file being removed.
    /// </summary>
    public void Dispose()
    {
        bool unused;
        try { unused = !Directory.EnumerateFileSystemEntries(Path).Any(p => System.IO.Path.GetFileName(p) != LockFile); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { unused = false; }
        if (unused && _createdLock) TryDelete(System.IO.Path.Combine(Path, LockFile));
        _lock.Dispose();
        if (unused && _createdFolder) TryRemoveFolder(Path);
    }

    private static void TryDelete(string file)
    {
        try { File.Delete(file); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    /// <summary>Removes a folder only if it is empty (another process may have just started using it).</summary>
    private static void TryRemoveFolder(string folder)
    {
        try { Directory.Delete(folder, recursive: false); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
