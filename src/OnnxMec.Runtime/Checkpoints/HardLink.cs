using System.Runtime.InteropServices;

namespace OnnxMec.Runtime;

/// <summary>A second name for a file without a second copy of its bytes (a checkpoint's "latest" and "best" names).</summary>
internal static class HardLink
{
    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int Link([MarshalAs(UnmanagedType.LPUTF8Str)] string existing, [MarshalAs(UnmanagedType.LPUTF8Str)] string created);

    /// <summary>
    /// Makes <paramref name="path"/> name the file <paramref name="existing"/> names, replacing what it
    /// named before in one rename; where hard links are not available the file is copied instead.
    /// </summary>
    public static void Replace(string existing, string path)
    {
        string temp = path + ".tmp-" + Environment.ProcessId;
        File.Delete(temp);
        bool linked = false;
        if (!OperatingSystem.IsWindows())
        {
            try { linked = Link(existing, temp) == 0; }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
        }
        if (!linked) File.Copy(existing, temp, overwrite: true);
        File.Move(temp, path, overwrite: true);
    }
}
