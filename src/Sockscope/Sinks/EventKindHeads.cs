using Sockscope.Etl;

namespace Sockscope.Sinks;

/// <summary>
/// The start of a JSON line that is the same for every record of one provider and event kind, encoded once: the
/// provider's name and GUID, then <c>event_id</c>, <c>version</c>, <c>level</c>, <c>task</c>, <c>opcode</c> and
/// <c>keywords</c>, up to the opening quote of <c>time_created</c>. A busy trace has a few dozen kinds, so one copy
/// of a ready span replaces five numbers and the keywords formatted for every record.
/// </summary>
/// <remarks>
/// Made for one provider form (<see cref="ProviderFormCache{T}"/> makes a new form, and so new heads, when a provider
/// is named anew). The kinds are bounded by the caller's budget, shared by all providers: a hostile trace with
/// endless kinds gets no more heads, and its further kinds are formatted each time (<see cref="Find"/> is null).
/// </remarks>
internal sealed class EventKindHeads(byte[] providerPrefix)
{
    private readonly Dictionary<(ulong Descriptor, ulong Keywords), byte[]> _heads = new();
    private ulong _lastDescriptor;
    private ulong _lastKeywords;
    private byte[]? _last;

    /// <summary><c>{"system":{"provider":"…","guid":"{…}","event_source_name":"","event_id":</c>, encoded once.</summary>
    public byte[] ProviderPrefix { get; } = providerPrefix;

    /// <summary>The head for the record's kind, made on its first record while <paramref name="budget"/> lasts; else null.</summary>
    /// <param name="record">The record.</param>
    /// <param name="budget">Heads the caller may still make (decremented for each made).</param>
    public byte[]? Find(in EtlRecord record, ref int budget)
    {
        // Id 16 bits, version 16, level 8, opcode 8, task 16: the whole descriptor but the keywords in one word.
        ulong descriptor = record.Id | (ulong)record.Version << 16 | (ulong)record.Level << 32 | (ulong)record.Opcode << 40
            | (ulong)record.Task << 48;
        ulong keywords = record.Keywords;
        if (_last is not null && descriptor == _lastDescriptor && keywords == _lastKeywords) return _last;
        if (!_heads.TryGetValue((descriptor, keywords), out var head))
        {
            if (budget <= 0) return null;
            budget--;
            Span<byte> d = stackalloc byte[MaxDescriptorLength];
            int n = FormatDescriptor(record, d);
            head = [.. ProviderPrefix, .. d[..n]];
            _heads.Add((descriptor, keywords), head);
        }
        _lastDescriptor = descriptor;
        _lastKeywords = keywords;
        _last = head;
        return head;
    }

    /// <summary>Room <see cref="FormatDescriptor"/> needs.</summary>
    public const int MaxDescriptorLength = 160;

    /// <summary>
    /// Writes <c>event_id</c>'s value through <c>,"time_created":"</c> for the record (what follows
    /// <see cref="ProviderPrefix"/>); returns the bytes written.
    /// </summary>
    public static int FormatDescriptor(in EtlRecord record, Span<byte> d)
    {
        int n = EventJsonWriter.Number(d, 0, record.Id);
        n = EventJsonWriter.Copy(d, n, ",\"version\":"u8);
        n = EventJsonWriter.Number(d, n, record.Version);
        n = EventJsonWriter.Copy(d, n, ",\"level\":"u8);
        n = EventJsonWriter.Number(d, n, record.Level);
        n = EventJsonWriter.Copy(d, n, ",\"task\":"u8);
        n = EventJsonWriter.Number(d, n, record.Task);
        n = EventJsonWriter.Copy(d, n, ",\"opcode\":"u8);
        n = EventJsonWriter.Number(d, n, record.Opcode);
        n = EventJsonWriter.Copy(d, n, ",\"keywords\":\""u8);
        n += EventJsonWriter.FormatKeywords(record.Keywords, d[n..]);
        return EventJsonWriter.Copy(d, n, "\",\"time_created\":\""u8);
    }
}
