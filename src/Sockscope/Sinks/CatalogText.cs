using System.Globalization;
using Sockscope.Schema;

namespace Sockscope.Sinks;

/// <summary>Text the catalog writers share: keyword masks, build ranges, id ranges.</summary>
internal static class CatalogText
{
    /// <summary>A keyword mask as <c>0x</c> and upper-case hex without leading zeros: <c>0x1001</c>, <c>0x0</c>.</summary>
    public static string Mask(ulong mask) => "0x" + mask.ToString("X", CultureInfo.InvariantCulture);

    /// <summary>A provider's GUID as the manifests write it: braces, upper case.</summary>
    public static string ProviderGuid(ProviderSchema provider) => provider.Guid.ToString("B").ToUpperInvariant();

    /// <summary>The provider's builds that any of <paramref name="events"/> has, oldest first (unknown labels last).</summary>
    public static IEnumerable<BuildInfo> BuildOrder(ProviderSchema provider, IEnumerable<EventSchema> events)
    {
        var used = new HashSet<string>(events.SelectMany(e => e.Builds), StringComparer.Ordinal);
        foreach (var b in provider.Builds)
            if (used.Remove(b.Label)) yield return b;
        foreach (var label in used.Order(StringComparer.Ordinal)) yield return new BuildInfo(label, "", "");
    }

    /// <summary>
    /// Build labels as runs of the provider's consecutive builds: <c>Win7-7600 – W10_1507, 1803, 2004 – W11_26H1</c>.
    /// </summary>
    public static string BuildRanges(ProviderSchema provider, IReadOnlyCollection<string> labels)
    {
        var set = new HashSet<string>(labels, StringComparer.Ordinal);
        var runs = new List<string>();
        string? first = null, last = null;
        foreach (var b in provider.Builds)
        {
            if (set.Remove(b.Label))
            {
                first ??= b.Label;
                last = b.Label;
            }
            else if (first is not null)
            {
                runs.Add(first == last ? first : $"{first} – {last}");
                first = last = null;
            }
        }
        if (first is not null) runs.Add(first == last ? first : $"{first} – {last}");
        runs.AddRange(set.Order(StringComparer.Ordinal));
        return runs.Count == 0 ? "none" : string.Join(", ", runs);
    }

    /// <summary>Numbers as runs of consecutive values: <c>1–41, 1000–1007, 1009</c>.</summary>
    public static string Ranges(IEnumerable<int> numbers)
    {
        var sorted = numbers.Distinct().Order().ToArray();
        var runs = new List<string>();
        for (int i = 0; i < sorted.Length;)
        {
            int j = i;
            while (j + 1 < sorted.Length && sorted[j + 1] == sorted[j] + 1) j++;
            runs.Add(j == i ? $"{sorted[i]}" : $"{sorted[i]}–{sorted[j]}");
            i = j + 1;
        }
        return string.Join(", ", runs);
    }
}
