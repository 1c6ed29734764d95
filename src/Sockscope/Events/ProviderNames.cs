using System.Buffers.Binary;
using System.Collections.ObjectModel;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Text.Unicode;
using Sockscope.Etl;

namespace Sockscope.Events;

/// <summary>
/// Names providers: first by what the trace itself says, then by <see cref="WellKnownProviders"/>. Feed every record
/// to <see cref="Learn"/> as it is read; names learned so far are then used by <see cref="NameOf(Guid)"/>.
/// </summary>
/// <remarks>
/// <para>
/// A trace names providers in two places. TraceLogging events carry a provider traits item with the provider's
/// name (see <see cref="TraceLoggingTraits"/>), since such providers have no manifest. Relogged and merged traces
/// (PerfView, xperf, pktmon) carry KernelTraceControl MetaData events (class
/// <see cref="WellKnownProviders.KernelTraceControlMetaData"/>, type 32 "EventInfo") whose payload is a
/// TRACE_EVENT_INFO, so the trace can be decoded on another machine: its ProviderGuid (offset 0) and, at
/// ProviderNameOffset (offset 52, counted from the payload's start), the provider's NUL-terminated UTF-16LE name.
/// </para>
/// <para>
/// Learning is cheap enough to run on every record: one byte and a GUID compare for classic records, a walk of the
/// few extended data items for EVENT_HEADER records, and, when a name is found, a dictionary lookup and an
/// allocation-free compare with the name already known. Only a new or changed name allocates. A later name for the
/// same GUID replaces an earlier one. At most <see cref="MaxLearned"/> providers are kept; further new ones are not
/// learned (a hostile file cannot grow memory without bound). Malformed items and payloads are ignored, never
/// thrown on. Not thread-safe: one instance per reading thread.
/// </para>
/// </remarks>
public sealed class ProviderNames
{
    /// <summary>The most providers whose names are learned from one trace.</summary>
    public const int MaxLearned = 65_536;

    /// <summary>
    /// The longest name learned, in UTF-8 bytes (traits) or UTF-16 code units (metadata); real provider names are
    /// far shorter, so a longer one is taken as damage.
    /// </summary>
    public const int MaxNameLength = 1024;

    /// <summary>The MetaData class's type (opcode) whose payload is a TRACE_EVENT_INFO.</summary>
    internal const byte EventInfoOpcode = 32;

    // TRACE_EVENT_INFO (tdh.h): ProviderGuid 0, EventGuid 16, EVENT_DESCRIPTOR 32, DecodingSource 48,
    // ProviderNameOffset 52, ... Flags 108, EventPropertyInfoArray 112. Strings follow the fixed part.
    private const int EventInfoFixedSize = 112;
    private const int DecodingSourceAt = 48;
    private const int ProviderNameOffsetAt = 52;
    private const uint DecodingSourceMax = 4; // XMLFile 0, Wbem 1, WPP 2, Tlg 3

    private readonly Dictionary<Guid, string> _learned = new();
    private readonly ReadOnlyDictionary<Guid, string> _learnedView;

    /// <summary>Creates an empty set of learned names.</summary>
    public ProviderNames() => _learnedView = new ReadOnlyDictionary<Guid, string>(_learned);

    /// <summary>How many providers have a learned name.</summary>
    public int LearnedCount => _learned.Count;

    /// <summary>
    /// Goes up each time a name is learned or changed, so a reader can tell when a copy it handed on
    /// (<see cref="CopyFrom"/>) is out of date.
    /// </summary>
    public int Version { get; private set; }

    /// <summary>
    /// Makes these names the same as <paramref name="other"/>'s (its learned names and <see cref="Version"/>): a
    /// thread that formats records read by another takes the names as they were when those records were read.
    /// </summary>
    internal void CopyFrom(ProviderNames other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (ReferenceEquals(other, this)) return;
        _learned.Clear();
        foreach (var (guid, name) in other._learned) _learned.Add(guid, name);
        Version = other.Version;
    }

    /// <summary>The names learned so far.</summary>
    public IReadOnlyDictionary<Guid, string> Learned => _learnedView;

    /// <summary>Picks up any provider name the record carries.</summary>
    public void Learn(in EtlRecord record)
    {
        switch (record.Family)
        {
            case TraceHeaderFamily.EventHeader:
                foreach (var item in record.ExtendedData)
                {
                    if (item.Type != ExtendedDataType.ProviderTraits) continue;
                    if (TraceLoggingTraits.TryGetProviderName(item.Data, out var utf8))
                        LearnUtf8(record.ProviderId, utf8);
                    break;
                }
                break;
            case TraceHeaderFamily.FullHeader:
            case TraceHeaderFamily.Instance:
                if (record.Opcode == EventInfoOpcode
                    && record.ProviderId == WellKnownProviders.KernelTraceControlMetaData
                    && TryReadEventInfo(record.UserData, out var provider, out var utf16))
                    LearnUtf16(provider, utf16);
                break;
        }
    }

    /// <summary>The learned name of a provider, if the trace gave one.</summary>
    public bool TryGetLearned(Guid provider, [MaybeNullWhen(false)] out string name) =>
        _learned.TryGetValue(provider, out name);

    /// <summary>The provider's learned name, else its well-known name, else null.</summary>
    public string? NameOf(Guid provider)
    {
        if (_learned.TryGetValue(provider, out var name)) return name;
        return WellKnownProviders.TryGetName(provider, out name) ? name : null;
    }

    /// <summary>
    /// The name for a record: for kernel records (system, compact, perfinfo headers) the event class's name from
    /// <see cref="KernelEventGroups"/>, else the name of <see cref="EtlRecord.ProviderId"/>; null when unknown.
    /// </summary>
    public string? NameOf(in EtlRecord record)
    {
        if (record.Family.IsKernelKind())
            return KernelEventGroups.TryGet(record.Group, record.Opcode, out _, out var className) ? className : null;
        return NameOf(record.ProviderId);
    }

    /// <summary>
    /// The GUID that identifies a record's provider: for kernel records the event class GUID from
    /// <see cref="KernelEventGroups"/> (<see cref="Guid.Empty"/> for an unknown group), else
    /// <see cref="EtlRecord.ProviderId"/>.
    /// </summary>
    public Guid GuidOf(in EtlRecord record)
    {
        if (record.Family.IsKernelKind())
            return KernelEventGroups.TryGet(record.Group, record.Opcode, out var classGuid, out _) ? classGuid : Guid.Empty;
        return record.ProviderId;
    }

    /// <summary>
    /// Reads the provider GUID and name from a TRACE_EVENT_INFO payload, checking every offset against the payload.
    /// </summary>
    /// <param name="payload">The MetaData event's user data.</param>
    /// <param name="provider">ProviderGuid.</param>
    /// <param name="utf16Name">The name's UTF-16LE bytes, without the terminator.</param>
    /// <returns>false unless the GUID is set, DecodingSource is known, and the offset points, past the fixed part,
    /// at a NUL-terminated name of 1 to <see cref="MaxNameLength"/> code units with no control characters.</returns>
    internal static bool TryReadEventInfo(ReadOnlySpan<byte> payload, out Guid provider, out ReadOnlySpan<byte> utf16Name)
    {
        provider = Guid.Empty;
        utf16Name = default;
        if (payload.Length < EventInfoFixedSize) return false;
        var guid = new Guid(payload[..16]);
        if (guid == Guid.Empty) return false;
        if (BinaryPrimitives.ReadUInt32LittleEndian(payload[DecodingSourceAt..]) >= DecodingSourceMax) return false;
        uint offset = BinaryPrimitives.ReadUInt32LittleEndian(payload[ProviderNameOffsetAt..]);
        if (offset < EventInfoFixedSize || offset >= (uint)payload.Length) return false;
        var rest = payload[(int)offset..];
        int units = 0;
        while (true)
        {
            if (2 * units + 1 >= rest.Length) return false; // no terminator
            ushort c = BinaryPrimitives.ReadUInt16LittleEndian(rest[(2 * units)..]);
            if (c == 0) break;
            if (c < 0x20 || ++units > MaxNameLength) return false;
        }
        if (units == 0) return false;
        provider = guid;
        utf16Name = rest[..(2 * units)];
        return true;
    }

    private void LearnUtf8(Guid provider, ReadOnlySpan<byte> utf8)
    {
        if (provider == Guid.Empty) return;
        bool known = _learned.TryGetValue(provider, out var current);
        if (known && Utf8Equals(utf8, current!)) return;
        // Bytes below 0x20 are control characters in UTF-8 whatever surrounds them; refuse them before decoding.
        if (utf8.Length > MaxNameLength || utf8.IndexOfAnyInRange((byte)0, (byte)0x1F) >= 0) return;
        if (!known && _learned.Count >= MaxLearned) return;
        Set(provider, System.Text.Encoding.UTF8.GetString(utf8), current);
    }

    private void LearnUtf16(Guid provider, ReadOnlySpan<byte> utf16)
    {
        bool known = _learned.TryGetValue(provider, out var current);
        if (known && Utf16LeEquals(utf16, current!)) return;
        if (!known && _learned.Count >= MaxLearned) return;
        Set(provider, FromUtf16Le(utf16), current);
    }

    private void Set(Guid provider, string name, string? current)
    {
        // A name decoded with replacements (a lone surrogate) never matches its bytes: only a real change counts.
        if (name == current) return;
        _learned[provider] = name;
        Version++;
    }

    private static bool Utf8Equals(ReadOnlySpan<byte> utf8, string s)
    {
        // Provider names are nearly always ASCII: compare byte to char, and decode only if a byte is not.
        if (utf8.Length == s.Length)
        {
            int i = 0;
            while (i < utf8.Length && utf8[i] < 0x80)
            {
                if (utf8[i] != s[i]) return false;
                i++;
            }
            if (i == utf8.Length) return true;
        }
        if (utf8.Length > MaxNameLength) return false;
        // Decoded with the same replacement of invalid sequences as Encoding.UTF8.GetString, so a name learned
        // from malformed bytes still compares equal to itself next time.
        Span<char> chars = stackalloc char[MaxNameLength];
        Utf8.ToUtf16(utf8, chars, out _, out int written, replaceInvalidSequences: true);
        return chars[..written].SequenceEqual(s);
    }

    private static bool Utf16LeEquals(ReadOnlySpan<byte> utf16, string s)
    {
        if (utf16.Length != 2 * s.Length) return false;
        if (BitConverter.IsLittleEndian) return MemoryMarshal.AsBytes(s.AsSpan()).SequenceEqual(utf16);
        for (int i = 0; i < s.Length; i++)
            if (BinaryPrimitives.ReadUInt16LittleEndian(utf16[(2 * i)..]) != s[i]) return false;
        return true;
    }

    // Code unit for code unit (no replacement of lone surrogates), so Utf16LeEquals matches the result exactly.
    // A lone surrogate becomes U+FFFD, as for any text from a trace: a name must survive being written as JSON.
    private static string FromUtf16Le(ReadOnlySpan<byte> utf16) => System.Text.Encoding.Unicode.GetString(utf16[..(utf16.Length & ~1)]);
}
