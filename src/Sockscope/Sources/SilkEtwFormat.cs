using System.Text.Json;

namespace Sockscope.Sources;

/// <summary>
/// SilkETW's events (its public source: an EventRecordStruct serialised by Json.NET): ProviderGuid, ProviderName,
/// EventName ("Task/Opcode" or "EventID(N)", TraceEvent's naming; no event id of its own), Opcode, OpcodeName,
/// TimeStamp, ThreadID, ProcessID, ProcessName, PointerSize, EventDataLength, and XmlEventData: the attributes of
/// TraceEvent's XML rendering, the payload fields among them as text.
/// </summary>
internal static class SilkEtwFormat
{
    public static bool Looks(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty("ProviderGuid", out _) && root.TryGetProperty("XmlEventData", out _);

    /// <summary>Reads one event; returns why it cannot, or null.</summary>
    public static string? Read(JsonElement root, JsonEvent e)
    {
        if (!Looks(root)) return "not a SilkETW event (no \"ProviderGuid\" and \"XmlEventData\")";
        e.Provider = JsonValues.Guid(JsonValues.Text(root, "ProviderGuid"));
        e.ProviderName = JsonValues.Text(root, "ProviderName");
        e.EventName = JsonValues.Text(root, "EventName");
        e.Opcode = (byte)JsonValues.Number(root, "Opcode");
        if (!JsonValues.TryFileTime(JsonValues.Text(root, "TimeStamp"), out e.FileTime)) return "no TimeStamp";
        e.ProcessId = (uint)JsonValues.Number(root, "ProcessID");
        e.ThreadId = (uint)JsonValues.Number(root, "ThreadID");
        e.ProcessName = JsonValues.Text(root, "ProcessName") is { Length: > 0 } name && name != "N/A" ? name : null;
        e.PointerSize = (int)JsonValues.Number(root, "PointerSize") is var p and (4 or 8) ? p : 0;
        e.Data = root.GetProperty("XmlEventData");
        e.Style = JsonValueStyle.SilkEtw;
        if (e.EventName is { } n && n.StartsWith("EventID(", StringComparison.Ordinal) && n.EndsWith(')')
            && ushort.TryParse(n.AsSpan(8, n.Length - 9), out ushort id)) e.Id = id;
        return null;
    }
}
