using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SQLitePCL;

namespace Sockscope.Sinks.Database;

/// <summary>
/// SQLite's bind functions called straight on a statement's pointer, for the values of a million-row insert.
/// </summary>
/// <remarks>
/// SQLitePCLRaw's calls take the statement as a <see cref="SafeHandle"/>, which each call counts up and down around the
/// native call: in a profile of an export, about 7 % of the inserting thread's time, more than the binds themselves. These are the same
/// functions of the same library (the <c>e_sqlite3</c> bundle SQLitePCLRaw loads by that name); with another provider
/// (<see cref="Available"/> false) the statement binds through SQLitePCLRaw as before. The caller keeps the statement's
/// handle alive for as long as it uses the pointer.
/// </remarks>
internal static partial class SqliteNative
{
    private const string Library = "e_sqlite3";

    /// <summary>
    /// True when SQLitePCLRaw's provider is the <c>e_sqlite3</c> library these functions bind to. Asked once a
    /// connection is open (opening one sets the provider; before, SQLitePCLRaw throws), not when the type is loaded.
    /// </summary>
    public static bool Available => raw.GetNativeLibraryName() == Library;

    // SQLITE_TRANSIENT: SQLite copies the text before the call returns.
    private static readonly nint Transient = -1;

    // A non-null pointer for empty text: a null one would bind NULL instead of ''.
    private static readonly byte[] Empty = [0];

    public static int BindInt64(nint statement, int index, long value) => bind_int64(statement, index, value);

    public static int BindNull(nint statement, int index) => bind_null(statement, index);

    public static unsafe int BindText(nint statement, int index, ReadOnlySpan<byte> utf8)
    {
        fixed (byte* text = utf8.IsEmpty ? Empty : utf8)
            return bind_text(statement, index, text, utf8.Length, Transient);
    }

    [LibraryImport(Library, EntryPoint = "sqlite3_bind_int64")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    private static partial int bind_int64(nint statement, int index, long value);

    [LibraryImport(Library, EntryPoint = "sqlite3_bind_null")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    private static partial int bind_null(nint statement, int index);

    [LibraryImport(Library, EntryPoint = "sqlite3_bind_text")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    private static unsafe partial int bind_text(nint statement, int index, byte* text, int length, nint destructor);
}
