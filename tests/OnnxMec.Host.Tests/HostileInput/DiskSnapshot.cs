using System.Security.Cryptography;

namespace OnnxMec.Host.Tests.HostileInput;

/// <summary>
/// What is on disk under some folders: every entry's path, each file's size and modification time,
/// and the SHA-256 of regular files under the folders whose contents matter most (a run's
/// checkpoints, config and metrics). Two snapshots are equal only if no file was created, removed
/// or written. A folder's own modification time is left out (an atomic write that failed made and
/// removed its temporary file there), and so is run.lock: every process that takes a run folder
/// writes its PID there.
/// </summary>
internal sealed record DiskSnapshot(IReadOnlyDictionary<string, string> Entries)
{
    public static DiskSnapshot Take(IEnumerable<string> folders, IEnumerable<string> hashed)
    {
        var hash = hashed.Select(Path.GetFullPath).ToList();
        var entries = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var folder in folders.Where(Directory.Exists))
            foreach (var info in new DirectoryInfo(folder).EnumerateFileSystemInfos("*", SearchOption.AllDirectories))
            {
                if (info.Name == "run.lock") continue;
                string entry = info is FileInfo file ? $"{file.Length} bytes, written {file.LastWriteTimeUtc.Ticks}" : "folder";
                // Pipes report 0 bytes and would block a reader: only non-empty files are read.
                if (info is FileInfo { Length: > 0 } regular && hash.Any(h => regular.FullName.StartsWith(h + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
                {
                    using var stream = regular.OpenRead();
                    entry += ", SHA-256 " + Convert.ToHexStringLower(SHA256.HashData(stream));
                }
                entries[info.FullName] = entry;
            }
        return new DiskSnapshot(entries);
    }

    /// <summary>Every entry that was added, removed or changed since <paramref name="before"/>, one a line; empty when nothing changed.</summary>
    public string ChangesSince(DiskSnapshot before)
    {
        var lines = new List<string>();
        foreach (var (path, entry) in before.Entries)
            if (!Entries.TryGetValue(path, out var now)) lines.Add($"removed: {path}");
            else if (now != entry) lines.Add($"changed: {path} ({entry} → {now})");
        foreach (var path in Entries.Keys.Where(p => !before.Entries.ContainsKey(p))) lines.Add($"added: {path}");
        return string.Join("\n", lines);
    }
}
