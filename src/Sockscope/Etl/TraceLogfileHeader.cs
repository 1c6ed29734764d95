using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Sockscope.Etl;

/// <summary>
/// TRACE_LOGFILE_HEADER: the payload of the first record of an ETL file, in both its 32-bit and 64-bit layouts
/// (two pointers, LoggerName and LogFileName, change size and move everything after them by 8 bytes).
/// </summary>
public sealed record TraceLogfileHeader
{
    /// <summary>Bytes of the fixed part in the 64-bit layout (the names follow).</summary>
    public const int FixedSize64 = 0x118;
    /// <summary>Bytes of the fixed part in the 32-bit layout.</summary>
    public const int FixedSize32 = 0x110;
    /// <summary>LogFileMode bit: buffers are compressed.</summary>
    public const uint CompressedMode = 0x04000000;

    /// <summary>Session buffer size in bytes.</summary>
    public uint BufferSize { get; init; }
    /// <summary>Windows major version.</summary>
    public byte MajorVersion { get; init; }
    /// <summary>Windows minor version.</summary>
    public byte MinorVersion { get; init; }
    /// <summary>Sub-version (ETW's own use).</summary>
    public byte SubVersion { get; init; }
    /// <summary>Sub-minor version (ETW's own use).</summary>
    public byte SubMinorVersion { get; init; }
    /// <summary>The Windows build number (ProviderVersion).</summary>
    public uint ProviderVersion { get; init; }
    /// <summary>Processors of the recording machine.</summary>
    public uint NumberOfProcessors { get; init; }
    /// <summary>End time as FILETIME; 0 when the session did not close the file.</summary>
    public long EndTime { get; init; }
    /// <summary>CPU time resolution in 100 ns units.</summary>
    public uint TimerResolution { get; init; }
    /// <summary>Maximum file size in MB.</summary>
    public uint MaximumFileSize { get; init; }
    /// <summary>EVENT_TRACE_*_MODE flags of the session.</summary>
    public uint LogFileMode { get; init; }
    /// <summary>Buffers written by the session.</summary>
    public uint BuffersWritten { get; init; }
    /// <summary>Pointer size of the recording machine (4 or 8).</summary>
    public uint PointerSize { get; init; }
    /// <summary>Events the session lost.</summary>
    public uint EventsLost { get; init; }
    /// <summary>CPU speed in MHz.</summary>
    public uint CpuSpeedInMHz { get; init; }
    /// <summary>Time-zone bias in minutes (UTC = local + bias).</summary>
    public int TimeZoneBias { get; init; }
    /// <summary>Standard time-zone name.</summary>
    public string TimeZoneName { get; init; } = "";
    /// <summary>Boot time as FILETIME.</summary>
    public long BootTime { get; init; }
    /// <summary>QPC frequency in ticks per second.</summary>
    public long PerfFreq { get; init; }
    /// <summary>Session start as FILETIME (UTC).</summary>
    public long StartTime { get; init; }
    /// <summary>The session clock.</summary>
    public ClockType Clock { get; init; }
    /// <summary>Buffers the session lost.</summary>
    public uint BuffersLost { get; init; }
    /// <summary>Session (logger) name.</summary>
    public string LoggerName { get; init; } = "";
    /// <summary>The file name the session wrote.</summary>
    public string LogFileName { get; init; } = "";

    /// <summary>True when the session wrote compressed buffers.</summary>
    public bool IsCompressed => (LogFileMode & CompressedMode) != 0;

    /// <summary>
    /// Parses the header from the record payload. <paramref name="pointerSize"/> is the header record's own
    /// pointer size (its header type), which decides the layout; the PointerSize field sits before the pointers and
    /// is cross-checked by the caller.
    /// </summary>
    /// <returns>null when the payload is too short for the fixed part.</returns>
    public static TraceLogfileHeader? TryRead(ReadOnlySpan<byte> p, int pointerSize)
    {
        int shift = pointerSize == 4 ? -8 : 0;
        if (p.Length < FixedSize64 + shift) return null;
        int tz = 0x38 + 2 * pointerSize;
        int names = FixedSize64 + shift;
        string logger = ReadCString(p[names..], out int used);
        string file = ReadCString(p[(names + used)..], out _);
        return new TraceLogfileHeader
        {
            BufferSize = U32(p, 0x00),
            MajorVersion = p[0x04],
            MinorVersion = p[0x05],
            SubVersion = p[0x06],
            SubMinorVersion = p[0x07],
            ProviderVersion = U32(p, 0x08),
            NumberOfProcessors = U32(p, 0x0C),
            EndTime = I64(p, 0x10),
            TimerResolution = U32(p, 0x18),
            MaximumFileSize = U32(p, 0x1C),
            LogFileMode = U32(p, 0x20),
            BuffersWritten = U32(p, 0x24),
            PointerSize = U32(p, 0x2C),
            EventsLost = U32(p, 0x30),
            CpuSpeedInMHz = U32(p, 0x34),
            TimeZoneBias = (int)U32(p, tz),
            TimeZoneName = ReadFixedString(p.Slice(tz + 4, 64)),
            BootTime = I64(p, 0xF8 + shift),
            PerfFreq = I64(p, 0x100 + shift),
            StartTime = I64(p, 0x108 + shift),
            Clock = (ClockType)U32(p, 0x110 + shift),
            BuffersLost = U32(p, 0x114 + shift),
            LoggerName = logger,
            LogFileName = file,
        };
    }

    /// <summary>Writes the header in the layout of <paramref name="pointerSize"/>; returns the bytes written.</summary>
    public int Write(Span<byte> p, int pointerSize)
    {
        int shift = pointerSize == 4 ? -8 : 0;
        int names = FixedSize64 + shift;
        int total = names + (LoggerName.Length + 1) * 2 + (LogFileName.Length + 1) * 2;
        p[..total].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(p, BufferSize);
        p[0x04] = MajorVersion; p[0x05] = MinorVersion; p[0x06] = SubVersion; p[0x07] = SubMinorVersion;
        BinaryPrimitives.WriteUInt32LittleEndian(p[0x08..], ProviderVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(p[0x0C..], NumberOfProcessors);
        BinaryPrimitives.WriteInt64LittleEndian(p[0x10..], EndTime);
        BinaryPrimitives.WriteUInt32LittleEndian(p[0x18..], TimerResolution);
        BinaryPrimitives.WriteUInt32LittleEndian(p[0x1C..], MaximumFileSize);
        BinaryPrimitives.WriteUInt32LittleEndian(p[0x20..], LogFileMode);
        BinaryPrimitives.WriteUInt32LittleEndian(p[0x24..], BuffersWritten);
        BinaryPrimitives.WriteUInt32LittleEndian(p[0x28..], 1);
        BinaryPrimitives.WriteUInt32LittleEndian(p[0x2C..], PointerSize);
        BinaryPrimitives.WriteUInt32LittleEndian(p[0x30..], EventsLost);
        BinaryPrimitives.WriteUInt32LittleEndian(p[0x34..], CpuSpeedInMHz);
        int tz = 0x38 + 2 * pointerSize;
        BinaryPrimitives.WriteInt32LittleEndian(p[tz..], TimeZoneBias);
        WriteFixedString(p.Slice(tz + 4, 64), TimeZoneName);
        BinaryPrimitives.WriteInt64LittleEndian(p[(0xF8 + shift)..], BootTime);
        BinaryPrimitives.WriteInt64LittleEndian(p[(0x100 + shift)..], PerfFreq);
        BinaryPrimitives.WriteInt64LittleEndian(p[(0x108 + shift)..], StartTime);
        BinaryPrimitives.WriteUInt32LittleEndian(p[(0x110 + shift)..], (uint)Clock);
        BinaryPrimitives.WriteUInt32LittleEndian(p[(0x114 + shift)..], BuffersLost);
        int at = names;
        foreach (var s in new[] { LoggerName, LogFileName })
        {
            MemoryMarshal.AsBytes(s.AsSpan()).CopyTo(p[at..]);
            at += (s.Length + 1) * 2;
        }
        return total;
    }

    private static uint U32(ReadOnlySpan<byte> p, int at) => BinaryPrimitives.ReadUInt32LittleEndian(p[at..]);
    private static long I64(ReadOnlySpan<byte> p, int at) => BinaryPrimitives.ReadInt64LittleEndian(p[at..]);

    private static string ReadCString(ReadOnlySpan<byte> p, out int bytesUsed)
    {
        int chars = 0;
        while ((chars + 1) * 2 <= p.Length && (p[chars * 2] | p[chars * 2 + 1]) != 0) chars++;
        bytesUsed = Math.Min(p.Length, (chars + 1) * 2);
        return DecodeUtf16(p[..(chars * 2)]);
    }

    private static string ReadFixedString(ReadOnlySpan<byte> p)
    {
        int chars = 0;
        while ((chars + 1) * 2 <= p.Length && (p[chars * 2] | p[chars * 2 + 1]) != 0) chars++;
        return DecodeUtf16(p[..(chars * 2)]);
    }

    private static void WriteFixedString(Span<byte> p, string s)
    {
        var bytes = MemoryMarshal.AsBytes(s.AsSpan());
        bytes[..Math.Min(bytes.Length, p.Length - 2)].CopyTo(p);
    }

    internal static string DecodeUtf16(ReadOnlySpan<byte> bytes) =>
        System.Text.Encoding.Unicode.GetString(bytes[..(bytes.Length & ~1)]);
}
