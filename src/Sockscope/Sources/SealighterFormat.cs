using System.Text.Json;

namespace Sockscope.Sources;

/// <summary>
/// Sealighter's events (its documentation and source): <c>header</c> (event_id, event_version, event_opcode,
/// process_id, thread_id, provider_name, task_name, timestamp to the second), <c>properties</c> (numbers, text, and
/// pointers, hex integers and binaries as the payload's bytes in hex) and <c>property_types</c> (the in-type of each).
/// </summary>
internal static class SealighterFormat
{
    public static bool Looks(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty("header", out var h) && h.ValueKind == JsonValueKind.Object
        && h.TryGetProperty("provider_name", out _) && root.TryGetProperty("properties", out _);

    /// <summary>Reads one event; returns why it cannot, or null.</summary>
    public static string? Read(JsonElement root, JsonEvent e)
    {
        if (!Looks(root)) return "not a Sealighter event (no \"header\" and \"properties\")";
        var h = root.GetProperty("header");
        e.ProviderName = JsonValues.Text(h, "provider_name");
        if (!h.TryGetProperty("event_id", out var id) || !JsonValues.TryNumber(id, out ulong eventId) || eventId > ushort.MaxValue) return "no event_id";
        e.Id = (int)eventId;
        e.Version = (byte)JsonValues.Number(h, "event_version");
        e.Opcode = (byte)JsonValues.Number(h, "event_opcode");
        e.TaskName = JsonValues.Text(h, "task_name");
        if (!JsonValues.TryFileTime(JsonValues.Text(h, "timestamp"), out e.FileTime)) return "no timestamp";
        e.ProcessId = (uint)JsonValues.Number(h, "process_id");
        e.ThreadId = (uint)JsonValues.Number(h, "thread_id");
        e.Data = root.GetProperty("properties");
        e.Types = root.TryGetProperty("property_types", out var t) ? t : default;
        e.Style = JsonValueStyle.Sealighter;
        return null;
    }
}
