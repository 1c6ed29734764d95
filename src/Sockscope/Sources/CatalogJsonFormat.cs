using System.Text.Json;

namespace Sockscope.Sources;

/// <summary>
/// The catalog's event format (seed 000), as <c>sockscope dump</c> writes it: <c>system</c> (provider, guid, event_id,
/// version, level, task, opcode, keywords, time_created, execution), <c>event_data</c> and <c>message</c>.
/// </summary>
internal static class CatalogJsonFormat
{
    public static bool Looks(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty("system", out var s) && s.ValueKind == JsonValueKind.Object
        && root.TryGetProperty("event_data", out _);

    /// <summary>Reads one event; returns why it cannot, or null.</summary>
    public static string? Read(JsonElement root, JsonEvent e)
    {
        if (!Looks(root)) return "not an event of the catalog's format (no \"system\" and \"event_data\")";
        var s = root.GetProperty("system");
        e.Provider = JsonValues.Guid(JsonValues.Text(s, "guid"));
        e.ProviderName = JsonValues.Text(s, "provider");
        if (!s.TryGetProperty("event_id", out var id) || !JsonValues.TryNumber(id, out ulong eventId) || eventId > ushort.MaxValue)
            return "no event_id";
        e.Id = (int)eventId;
        e.Version = (byte)JsonValues.Number(s, "version");
        e.Level = (byte)JsonValues.Number(s, "level");
        e.Task = (ushort)JsonValues.Number(s, "task");
        e.Opcode = (byte)JsonValues.Number(s, "opcode");
        e.Keywords = JsonValues.Number(s, "keywords");
        if (!JsonValues.TryFileTime(JsonValues.Text(s, "time_created"), out e.FileTime)) return "no time_created";
        if (s.TryGetProperty("execution", out var x))
        {
            e.ProcessId = (uint)JsonValues.Number(x, "process_id");
            e.ThreadId = (uint)JsonValues.Number(x, "thread_id");
        }
        e.Data = root.GetProperty("event_data");
        e.Style = JsonValueStyle.Catalog;
        return null;
    }
}
