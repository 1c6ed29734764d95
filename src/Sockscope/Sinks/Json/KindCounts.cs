using System.Text.Json;

namespace Sockscope.Sinks.Json;

/// <summary>A count per finding kind, as one object: <c>{"KIND": N, …}</c> (<c>findings_by_kind</c> and its kin).</summary>
internal static class KindCounts
{
    /// <summary>Writes <paramref name="counts"/> under <paramref name="name"/>, in the order given.</summary>
    public static void Write(Utf8JsonWriter j, string name, IEnumerable<KeyValuePair<string, long>> counts)
    {
        j.WriteStartObject(name);
        foreach (var (kind, count) in counts) j.WriteNumber(kind, count);
        j.WriteEndObject();
    }
}
