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
    /// Where the fields lie, named once for <see cref="TryRead"/> and <see cref="Write"/>. Offsets after the two
    /// pointers are those of the 64-bit layout: <see cref="Shift"/> moves them to the layout of a pointer size.
    /// </summary>
    private static class Offsets
    {
        public const int BufferSize = 0x00;
        public const int MajorVersion = 0x04;
        public const int MinorVersion = 0x05;
        public const int SubVersion = 0x06;
        public const int SubMinorVersion = 0x07;
        public const int ProviderVersion = 0x08;
        public const int NumberOfProcessors = 0x0C;
        public const int EndTime = 0x10;
        public const int TimerResolution = 0x18;
        public const int MaximumFileSize = 0x1C;
        public const int LogFileMode = 0x20;
        public const int BuffersWritten = 0x24;
        public const int StartBuffers = 0x28;
        public const int PointerSize = 0x2C;
        public const int EventsLost = 0x30;
        public const int CpuSpeedInMHz = 0x34;
        /// <summary>LoggerName and LogFileName, one pointer each, then TIME_ZONE_INFORMATION.</summary>
        public const int Pointers = 0x38;
        /// <summary>StandardName in TIME_ZONE_INFORMATION, after its Bias.</summary>
        public const int TimeZoneNameInZone = 4;
        public const int TimeZoneNameLength = 64;
        public const int BootTime = 0xF8;
        public const int PerfFreq = 0x100;
        public const int StartTime = 0x108;
        /// <summary>ReservedFlags: the clock type.</summary>
        public const int Clock = 0x110;
        public const int BuffersLost = 0x114;
        /// <summary>Where the names start, after the fixed part.</summary>
        public const int Names = FixedSize64;

        /// <summary>How far the fields after the pointers move for <paramref name="pointerSize"/>.</summary>
        public static int Shift(int pointerSize) => pointerSize == 4 ? -8 : 0;

        /// <summary>TIME_ZONE_INFORMATION, right after the two pointers.</summary>
        public static int TimeZone(int pointerSize) => Pointers + 2 * pointerSize;
    }

    /// <summary>
    /// Parses the header from the record payload. <paramref name="pointerSize"/> is the header record's own
    /// pointer size (its header type), which decides the layout; the PointerSize field sits before the pointers and
    /// is cross-checked by the caller.
    /// </summary>
    /// <returns>null when the payload is too short for the fixed part.</returns>
    internal static TraceLogfileHeader? TryRead(ReadOnlySpan<byte> p, int pointerSize)
    {
        int shift = Offsets.Shift(pointerSize);
        int names = Offsets.Names + shift;
        if (p.Length < names) return null;
        int tz = Offsets.TimeZone(pointerSize);
        string logger = ReadCString(p[names..], out int used);
        string file = ReadCString(p[(names + used)..], out _);
        return new TraceLogfileHeader
        {
            BufferSize = U32(p, Offsets.BufferSize),
            MajorVersion = p[Offsets.MajorVersion],
            MinorVersion = p[Offsets.MinorVersion],
            SubVersion = p[Offsets.SubVersion],
            SubMinorVersion = p[Offsets.SubMinorVersion],
            ProviderVersion = U32(p, Offsets.ProviderVersion),
            NumberOfProcessors = U32(p, Offsets.NumberOfProcessors),
            EndTime = I64(p, Offsets.EndTime),
            TimerResolution = U32(p, Offsets.TimerResolution),
            MaximumFileSize = U32(p, Offsets.MaximumFileSize),
            LogFileMode = U32(p, Offsets.LogFileMode),
            BuffersWritten = U32(p, Offsets.BuffersWritten),
            PointerSize = U32(p, Offsets.PointerSize),
            EventsLost = U32(p, Offsets.EventsLost),
            CpuSpeedInMHz = U32(p, Offsets.CpuSpeedInMHz),
            TimeZoneBias = (int)U32(p, tz),
            TimeZoneName = ReadFixedString(p.Slice(tz + Offsets.TimeZoneNameInZone, Offsets.TimeZoneNameLength)),
            BootTime = I64(p, Offsets.BootTime + shift),
            PerfFreq = I64(p, Offsets.PerfFreq + shift),
            StartTime = I64(p, Offsets.StartTime + shift),
            Clock = (ClockType)U32(p, Offsets.Clock + shift),
            BuffersLost = U32(p, Offsets.BuffersLost + shift),
            LoggerName = logger,
            LogFileName = file,
        };
    }

    /// <summary>Writes the header in the layout of <paramref name="pointerSize"/>; returns the bytes written.</summary>
    internal int Write(Span<byte> p, int pointerSize)
    {
        int shift = Offsets.Shift(pointerSize);
        int names = Offsets.Names + shift;
        int total = names + (LoggerName.Length + 1) * 2 + (LogFileName.Length + 1) * 2;
        p[..total].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(p[Offsets.BufferSize..], BufferSize);
        p[Offsets.MajorVersion] = MajorVersion;
        p[Offsets.MinorVersion] = MinorVersion;
        p[Offsets.SubVersion] = SubVersion;
        p[Offsets.SubMinorVersion] = SubMinorVersion;
        BinaryPrimitives.WriteUInt32LittleEndian(p[Offsets.ProviderVersion..], ProviderVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(p[Offsets.NumberOfProcessors..], NumberOfProcessors);
        BinaryPrimitives.WriteInt64LittleEndian(p[Offsets.EndTime..], EndTime);
        BinaryPrimitives.WriteUInt32LittleEndian(p[Offsets.TimerResolution..], TimerResolution);
        BinaryPrimitives.WriteUInt32LittleEndian(p[Offsets.MaximumFileSize..], MaximumFileSize);
        BinaryPrimitives.WriteUInt32LittleEndian(p[Offsets.LogFileMode..], LogFileMode);
        BinaryPrimitives.WriteUInt32LittleEndian(p[Offsets.BuffersWritten..], BuffersWritten);
        BinaryPrimitives.WriteUInt32LittleEndian(p[Offsets.StartBuffers..], 1);
        BinaryPrimitives.WriteUInt32LittleEndian(p[Offsets.PointerSize..], PointerSize);
        BinaryPrimitives.WriteUInt32LittleEndian(p[Offsets.EventsLost..], EventsLost);
        BinaryPrimitives.WriteUInt32LittleEndian(p[Offsets.CpuSpeedInMHz..], CpuSpeedInMHz);
        int tz = Offsets.TimeZone(pointerSize);
        BinaryPrimitives.WriteInt32LittleEndian(p[tz..], TimeZoneBias);
        WriteFixedString(p.Slice(tz + Offsets.TimeZoneNameInZone, Offsets.TimeZoneNameLength), TimeZoneName);
        BinaryPrimitives.WriteInt64LittleEndian(p[(Offsets.BootTime + shift)..], BootTime);
        BinaryPrimitives.WriteInt64LittleEndian(p[(Offsets.PerfFreq + shift)..], PerfFreq);
        BinaryPrimitives.WriteInt64LittleEndian(p[(Offsets.StartTime + shift)..], StartTime);
        BinaryPrimitives.WriteUInt32LittleEndian(p[(Offsets.Clock + shift)..], (uint)Clock);
        BinaryPrimitives.WriteUInt32LittleEndian(p[(Offsets.BuffersLost + shift)..], BuffersLost);
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
