using System.Buffers;
using System.Globalization;
using System.Text;
using Sockscope.Schema;

namespace Sockscope.Sinks;

/// <summary>
/// A Markdown page per provider in the layout of the Winsock event documentation: "N events across M channels",
/// a table of the events, then per event its descriptor (provider, channel, level, task, opcode, keywords,
/// message, builds and sources), its fields (in and out types, where a length comes from, value maps with their
/// values and meanings, documented values of address families, protocols and socket types), then the provider's
/// provenance (GUID, binary, the source of each build, consecutive builds from the same repository on one row) and
/// credits. Tables are GitHub-flavoured Markdown.
/// </summary>
internal sealed class CatalogMarkdownWriter : CatalogWriter
{
    private static readonly (string Owner, string Text)[] KnownCredits =
    [
        ("repnz", "[repnz/etw-providers-docs](https://github.com/repnz/etw-providers-docs): manifests rebuilt from TDH on Windows 7 and 10 builds"),
        ("jdu2600", "[jdu2600/Windows10EtwEvents](https://github.com/jdu2600/Windows10EtwEvents): a manifest dump per Windows build, and the event-schema TSV format this catalog adopted"),
        ("nasbench", "[nasbench/EVTX-ETW-Resources](https://github.com/nasbench/EVTX-ETW-Resources): Event Log metadata dumps (out-types, lengths, messages, channels)"),
    ];

    private readonly IBufferWriter<byte> _output;
    private bool _first = true;

    /// <summary>A writer into <paramref name="output"/>.</summary>
    public CatalogMarkdownWriter(IBufferWriter<byte> output) => _output = output;

    /// <inheritdoc />
    public override void Write(CatalogSelection selection)
    {
        var md = new StringBuilder();
        if (!_first) md.Append('\n');
        _first = false;
        var p = selection.Provider;
        var events = selection.Events;
        md.Append("# ").Append(Esc(p.Name)).Append("\n\n");

        int ids = events.Select(e => e.Id).Distinct().Count();
        int channels = events.Select(e => e.Channel).Where(c => c is not null).Distinct().Count();
        if (selection.IsWholeProvider) md.Append(Plural(ids, "event"));
        else md.Append(ids).Append(" of ").Append(Plural(p.Events.Select(e => e.Id).Distinct().Count(), "event"));
        if (ids != events.Count) md.Append(" (").Append(Plural(events.Count, "event version")).Append(')');
        md.Append(channels == 0 ? ", in no channel (only ETW sessions see them)" : $" across {Plural(channels, "channel")}");
        md.Append("\n\n");

        bool showVersion = events.Any(e => e.Version != 0) || ids != events.Count;
        md.Append(showVersion ? "| ID | Version | Title | Level | Channel | Builds |\n|---:|---:|---|---|---|---|\n"
                              : "| ID | Title | Level | Channel | Builds |\n|---:|---|---|---|---|\n");
        foreach (var e in events)
        {
            md.Append("| ").Append(e.Id).Append(" | ");
            if (showVersion) md.Append(e.Version).Append(" | ");
            md.Append(Esc(e.Symbol)).Append(" | ").Append(Esc(LevelName(e.Level))).Append(" | ")
              .Append(Esc(ShortChannel(e.Channel))).Append(" | ").Append(Esc(BuildsShort(p, e.Builds))).Append(" |\n");
        }
        md.Append('\n');

        var usedKeywords = p.Keywords.Where(k => events.Any(e => (e.Keywords & k.Key) != 0)).ToArray();
        if (usedKeywords.Length > 0)
        {
            md.Append("Keywords:\n\n| Mask | Name |\n|---|---|\n");
            foreach (var (mask, name) in usedKeywords) md.Append("| ").Append(CatalogText.Mask(mask)).Append(" | ").Append(Esc(name)).Append(" |\n");
            md.Append('\n');
        }

        // A note several events share (where the messages came from, say) is said once, here, with the events it is
        // about, rather than under each of them.
        var shared = events.SelectMany(e => Notes(e).Select(n => (Note: n, e.Id))).GroupBy(x => x.Note)
            .Where(g => g.Count() > 1).ToArray();
        var common = shared.Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
        if (shared.Length > 0)
        {
            md.Append("Notes:\n\n");
            foreach (var g in shared)
            {
                var noteIds = g.Select(x => (int)x.Id).ToArray();
                string which = noteIds.Distinct().Count() == events.Select(e => e.Id).Distinct().Count()
                    ? "every event" : "events " + CatalogText.Ranges(noteIds);
                md.Append("- ").Append(Esc(g.Key)).Append(" (").Append(which).Append(")\n");
            }
            md.Append('\n');
        }

        foreach (var e in events) WriteEvent(md, e, showVersion, common);
        WriteProvenance(md, selection);
        WriteCredits(md, selection);
        WriteUtf8(_output, md.ToString());
    }

    private static void WriteEvent(StringBuilder md, EventSchema e, bool showVersion, IReadOnlySet<string> common)
    {
        var p = e.Provider;
        md.Append("## Event ID ").Append(e.Id);
        if (showVersion) md.Append(" version ").Append(e.Version);
        md.Append(": ").Append(Esc(e.Symbol)).Append("\n\n");
        md.Append("| Property | Value |\n|---|---|\n");
        Row(md, "Provider", Esc(p.Name));
        Row(md, "Version", e.Version.ToString(CultureInfo.InvariantCulture));
        Row(md, "Channel", e.Channel is null ? "none" : Esc(e.Channel));
        Row(md, "Level", Esc(Named(e.Level, LevelName(e.Level))));
        Row(md, "Task", Esc(Named(e.Task, e.Task.Name)));
        Row(md, "Opcode", Esc(Named(e.Opcode, e.Opcode.Name)));
        Row(md, "Keywords", e.KeywordNames.Count == 0
            ? CatalogText.Mask(e.Keywords)
            : CatalogText.Mask(e.Keywords) + ": " + Esc(string.Join(", ", e.KeywordNames)));
        if (e.Message is { } message) Row(md, "Message", Esc(message));
        Row(md, "Builds", Esc(BuildsLong(p, e.Builds)));
        Row(md, "Sources", Esc(SourcesByRepository(e)));
        md.Append('\n');

        if (e.Fields.Count == 0) md.Append("No fields: the event carries no payload.\n\n");
        else WriteFields(md, e);

        var notes = Notes(e).Where(n => !common.Contains(n)).ToArray();
        if (notes.Length > 0)
        {
            md.Append("Notes:\n\n");
            foreach (var n in notes) md.Append("- ").Append(Esc(n)).Append('\n');
            md.Append('\n');
        }
    }

    private static void WriteFields(StringBuilder md, EventSchema e)
    {
        md.Append("### Fields\n\n| # | Name | In type | Out type | Length | Values |\n|---:|---|---|---|---|---|\n");
        for (int i = 0; i < e.Fields.Count; i++)
        {
            var f = e.Fields[i];
            md.Append("| ").Append(i + 1).Append(" | ").Append(Esc(f.Name)).Append(" | ")
              .Append(ManifestTypes.InTypeName(f.InType)).Append(" | ")
              .Append(f.OutType != OutType.Null
                  ? ManifestTypes.OutTypeName(f.OutType)
                  : ManifestTypes.OutTypeName(f.EffectiveOutType) + " (default)")
              .Append(" | ").Append(Esc(LengthText(e, f))).Append(" | ").Append(Esc(ValuesText(f))).Append(" |\n");
        }
        md.Append('\n');
        foreach (var f in e.Fields)
        {
            if (f.Map is { } map)
            {
                md.Append(map.IsBitMap ? "Bit map " : "Value map ").Append(Esc(map.Name)).Append(" of ").Append(Esc(f.Name)).Append(":\n\n");
                md.Append(map.IsBitMap ? "| Bit | Meaning |\n|---:|---|\n" : "| Value | Meaning |\n|---:|---|\n");
                foreach (var (value, meaning) in map.Entries)
                    md.Append("| ").Append(map.IsBitMap ? CatalogText.Mask(value) : value.ToString(CultureInfo.InvariantCulture))
                      .Append(" | ").Append(Esc(meaning)).Append(" |\n");
                md.Append('\n');
            }
            else if (f.Known != KnownValues.None)
            {
                md.Append("Known values of ").Append(Esc(f.Name)).Append(", ").Append(Esc(KnownValueNames.Describe(f.Known))).Append(": ");
                md.AppendJoin(" · ", KnownValueNames.Entries(f.Known).Select(kv => $"{kv.Key} {Esc(kv.Value)}"));
                md.Append("\n\n");
            }
        }
    }

    // What the catalog says about where an event's values came from when not from each build's own dump.
    private static IEnumerable<string> Notes(EventSchema e)
    {
        foreach (var (key, note) in e.Sources.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            yield return $"{key.Replace('_', ' ')}: {note}";
        foreach (var f in e.Fields)
            if (f.OutTypeSource is { } source) yield return $"out-type of {f.Name}: {source}";
    }

    private static void WriteProvenance(StringBuilder md, CatalogSelection selection)
    {
        var p = selection.Provider;
        md.Append("## Provenance\n\n");
        md.Append("Where this provider's schema came from, and which Windows builds it was observed on. Windows can change a ")
          .Append("provider's event schema between builds, so use this to judge whether it matches the build you collect from.\n\n");
        md.Append("ETW provider GUID `").Append(CatalogText.ProviderGuid(p)).Append("`\n\n");
        if (p.Binary is { } binary) md.Append("Defined in ").Append(Esc(binary)).Append(", which carries the event manifest.\n\n");

        // Every event of a build comes from that build's dump; take each build's most common source.
        var byBuild = new Dictionary<string, Provenance>();
        foreach (var group in selection.Events.SelectMany(e => e.Provenance).GroupBy(x => x.Build))
            byBuild[group.Key] = group.GroupBy(x => (x.Repository, x.Path, x.Commit)).OrderByDescending(g => g.Count()).First().First();
        var builds = CatalogText.BuildOrder(p, selection.Events).ToArray();
        md.Append("Observed on:\n\n| Builds | OS build | Source | File @ commit |\n|---|---|---|---|\n");
        int i = 0;
        while (i < builds.Length)
        {
            string? repo = byBuild.GetValueOrDefault(builds[i].Label)?.Repository;
            int j = i + 1;
            while (j < builds.Length && byBuild.GetValueOrDefault(builds[j].Label)?.Repository == repo) j++;
            var run = builds[i..j];
            md.Append("| ").Append(Esc(run.Length == 1 ? run[0].Label : $"{run[0].Label} – {run[^1].Label}"))
              .Append(" | ").Append(Esc(string.Join(", ", run.Select(b => OsBuildNumbers(b)))))
              .Append(" | ").Append(repo is null ? "not recorded" : Esc(repo))
              .Append(" | ").Append(repo is null ? "" : FilesCell(run, byBuild)).Append(" |\n");
            i = j;
        }
        md.Append('\n');
    }

    // The files of a run of builds from one repository: each distinct path once, with its commits (and the builds
    // of each commit when there are several).
    private static string FilesCell(BuildInfo[] run, Dictionary<string, Provenance> byBuild)
    {
        var sources = run.Select(b => byBuild[b.Label]).ToArray();
        var paths = sources.Select(s => s.Path).Distinct().ToArray();
        var parts = new List<string>();
        foreach (var path in paths)
        {
            var ofPath = sources.Where(s => s.Path == path).ToArray();
            var commits = ofPath.GroupBy(s => s.Commit).ToArray();
            var text = new StringBuilder();
            if (paths.Length > 1) text.Append(Esc(string.Join(", ", ofPath.Select(s => s.Build)))).Append(": ");
            text.Append('`').Append(path.Replace("`", "'")).Append("` @ ");
            text.AppendJoin(", ", commits.Select(c =>
                CommitLink(c.First()) + (commits.Length > 1 ? " (" + Esc(string.Join(", ", c.Select(s => s.Build))) + ")" : "")));
            parts.Add(text.ToString());
        }
        return string.Join("<br>", parts);
    }

    private static string CommitLink(Provenance s)
    {
        string shortCommit = s.Commit.Length > 7 ? s.Commit[..7] : s.Commit;
        if (s.Repository.Count(c => c == '/') != 1 || s.Repository.Contains(' ')) return $"`{shortCommit}`";
        string path = string.Join('/', s.Path.Split('/').Select(Uri.EscapeDataString));
        return $"[`{shortCommit}`](https://github.com/{s.Repository}/blob/{s.Commit}/{path})";
    }

    private static void WriteCredits(StringBuilder md, CatalogSelection selection)
    {
        var repos = selection.Events.SelectMany(e => e.Provenance).Select(x => x.Repository).Distinct().ToList();
        var notes = string.Join(" ", selection.Events.SelectMany(e => e.Sources.Values
            .Concat(e.Fields.Select(f => f.OutTypeSource ?? ""))));
        md.Append("## Credits\n\n");
        md.Append("- Microsoft: authored the ETW manifests the schema comes from\n");
        foreach (var (owner, text) in KnownCredits)
        {
            bool used = owner == "jdu2600" // the TSV layout is credited even where no jdu2600 dump was used
                || repos.Any(r => r.StartsWith(owner + "/", StringComparison.OrdinalIgnoreCase))
                || notes.Contains(owner, StringComparison.OrdinalIgnoreCase);
            if (used) md.Append("- ").Append(text).Append('\n');
        }
        foreach (var repo in repos.Where(r => !KnownCredits.Any(k => r.StartsWith(k.Owner + "/", StringComparison.OrdinalIgnoreCase))))
            md.Append("- ").Append(Esc(repo)).Append(": schema dumps\n");
        md.Append('\n');
    }

    private static string LengthText(EventSchema e, FieldSchema f)
    {
        var parts = new List<string>();
        if (f.FixedLength >= 0) parts.Add($"{f.FixedLength} bytes");
        else if (f.LengthField >= 0) parts.Add($"bytes in {e.Fields[f.LengthField].Name}");
        if (f.CountField >= 0) parts.Add($"items in {e.Fields[f.CountField].Name}");
        else if (f.FixedCount != 1) parts.Add($"{f.FixedCount} items");
        return string.Join(", ", parts);
    }

    private static string ValuesText(FieldSchema f) =>
        f.Map is { } map ? $"{(map.IsBitMap ? "bit map" : "value map")} {map.Name}"
        : f.Known != KnownValues.None ? KnownValueNames.Describe(f.Known)
        : "";

    private static void Row(StringBuilder md, string name, string value) =>
        md.Append("| ").Append(name).Append(" | ").Append(value).Append(" |\n");

    private static string Named(NamedValue v, string? name) =>
        name is null ? v.Value.ToString(CultureInfo.InvariantCulture) : $"{name} ({v.Value})";

    private static string LevelName(NamedValue level) => level.Name is { } n
        ? (n.StartsWith("win:", StringComparison.Ordinal) ? n[4..] : n)
        : level.Value.ToString(CultureInfo.InvariantCulture);

    private static string ShortChannel(string? channel) =>
        channel is null ? "" : channel[(channel.LastIndexOf('/') + 1)..];

    private static string OsBuildNumbers(BuildInfo b)
    {
        var numbers = b.Numbers().ToArray();
        return numbers.Length == 0 ? b.OsBuild : string.Join('/', numbers);
    }

    private static bool AllBuilds(ProviderSchema p, IReadOnlyList<string> builds) =>
        builds.Count == p.Builds.Count && p.Builds.All(b => builds.Contains(b.Label));

    private static string BuildsShort(ProviderSchema p, IReadOnlyList<string> builds) =>
        AllBuilds(p, builds) ? "all" : CatalogText.BuildRanges(p, builds);

    private static string BuildsLong(ProviderSchema p, IReadOnlyList<string> builds)
    {
        string ranges = CatalogText.BuildRanges(p, builds);
        return AllBuilds(p, builds) ? $"all {builds.Count}: {ranges}" : $"{builds.Count} of {p.Builds.Count}: {ranges}";
    }

    // "jdu2600/Windows10EtwEvents: 1511 – 1709, 1809 – 1909; repnz/etw-providers-docs: Win7-7600 – W10_1507, 1803"
    private static string SourcesByRepository(EventSchema e)
    {
        if (e.Provenance.Count == 0) return "not recorded";
        return string.Join("; ", e.Provenance.GroupBy(x => x.Repository)
            .Select(g => $"{g.Key}: {CatalogText.BuildRanges(e.Provider, g.Select(x => x.Build).ToArray())}"));
    }

    private static string Plural(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}s";

    // Characters that would end a table cell or start markup. Underscores are left alone: inside words (the
    // manifests' AFD_KW_RIO, task_0) GitHub-flavoured Markdown does not read them as emphasis.
    private static string Esc(string text)
    {
        if (text.AsSpan().IndexOfAny("|\\*`<>[]\r\n") < 0) return text;
        var s = new StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            switch (c)
            {
                case '\r': break;
                case '\n': s.Append("<br>"); break;
                case '|' or '\\' or '*' or '`' or '<' or '>' or '[' or ']': s.Append('\\').Append(c); break;
                default: s.Append(c); break;
            }
        }
        return s.ToString();
    }
}
