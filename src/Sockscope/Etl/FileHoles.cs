using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Sockscope.Etl;

/// <summary>
/// Asks the file system where a file's data resumes after a hole (lseek with SEEK_DATA). A hole reads as zeros
/// without being stored, so a sparse or pre-allocated trace's unwritten tail is passed over without reading it.
/// </summary>
internal static partial class FileHoles
{
    private const int ENXIO = 6; // the same on Linux and macOS: no data at or after the offset

    /// <summary>
    /// The first offset at or after <paramref name="offset"/> that the file system says holds data (the file's
    /// <paramref name="length"/> when only a hole follows); <paramref name="offset"/> itself where it cannot say.
    /// </summary>
    public static long NextData(SafeFileHandle handle, long offset, long length)
    {
        int seekData = OperatingSystem.IsLinux() ? 3 : OperatingSystem.IsMacOS() ? 4 : 0;
        if (seekData == 0 || offset >= length) return offset;
        long data = Seek(handle, offset, seekData);
        if (data >= offset) return Math.Min(data, length);
        return Marshal.GetLastPInvokeError() == ENXIO ? length : offset;
    }

    // Positional reads (pread) ignore the file position this moves, so it is safe beside the reading threads.
    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    private static partial long Seek(SafeFileHandle handle, long offset, int whence);
}
