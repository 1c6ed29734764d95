using System.Text.Json;

namespace Sockscope.Sources;

/// <summary>What one JSON event says, whatever collector wrote it; reused from line to line.</summary>
internal sealed class JsonEvent
{
    public Guid Provider;
    public string? ProviderName;
    /// <summary>The event id, or -1 when the collector wrote none (SilkETW names events instead).</summary>
    public int Id;
    public byte Version;
    public byte Opcode;
    public byte Level;
    public ushort Task;
    public ulong Keywords;
    public string? EventName;
    public string? TaskName;
    public uint ProcessId;
    public uint ThreadId;
    public long FileTime;
    public string? ProcessName;
    /// <summary>4 or 8 when the collector said; 0 when not.</summary>
    public int PointerSize;
    /// <summary>The object with the event's field values.</summary>
    public JsonElement Data;
    /// <summary>Sealighter's in-type names by field (<c>property_types</c>).</summary>
    public JsonElement Types;
    public JsonValueStyle Style;

    public void Reset()
    {
        Provider = Guid.Empty;
        ProviderName = EventName = TaskName = ProcessName = null;
        Id = -1;
        Version = Opcode = Level = 0;
        Task = 0;
        Keywords = 0;
        ProcessId = ThreadId = 0;
        FileTime = 0;
        PointerSize = 0;
        Data = Types = default;
    }
}

/// <summary>How a collector writes field values.</summary>
internal enum JsonValueStyle
{
    /// <summary>As <c>sockscope dump</c> and the catalog do: pointers "0x…", HexInt32 "00000000", addresses as text, ports in host order.</summary>
    Catalog,
    /// <summary>As TraceEvent's XML renders them, all text: numbers (maybe with thousands separators), "0x…" hex, map names.</summary>
    SilkEtw,
    /// <summary>As krabsetw parses them: numbers, and pointers, hex integers and binaries as the payload's bytes in hex.</summary>
    Sealighter,
}
