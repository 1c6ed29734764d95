using System.Buffers;
using System.Globalization;
using System.Text;
using Sockscope.Schema;

namespace Sockscope.Sinks;

/// <summary>
/// The tab-separated layout of the event-schema reference files (<c>*.events_by_build.tsv</c>, after jdu2600's
/// Windows10EtwEvents dumps): a header row, then one row per (build, event), builds in the provider's order (oldest
/// first) and events by id and version within a build.
/// </summary>
/// <remarks>
/// <c>fields</c> is <c>Name:inType[/outType][[len=X]][{map=M}]</c> per field, joined by <c>"; "</c>, the types
/// with their manifest prefixes (<c>win:</c>, <c>xs:</c>). The catalog keeps one metadata set per (id, version)
/// across builds, so a value that differed between builds' dumps (AFD's keywords on the newest builds, a map
/// one dump kept and another lost) is written as the catalog has it for every build. Tabs and line breaks inside a
/// value (none in the built-in catalog) become spaces.
/// </remarks>
internal sealed class CatalogTsvWriter : CatalogWriter
{
    /// <summary>The columns, in order.</summary>
    public static IReadOnlyList<string> Columns { get; } =
    [
        "build_label", "os", "os_build", "event_id", "version", "symbol", "task", "task_value", "opcode", "opcode_value",
        "level", "level_value", "keywords_mask", "keyword_names", "channel", "message", "fields", "source_repo",
        "source_path", "source_commit",
    ];

    private readonly IBufferWriter<byte> _output;
    private bool _headerWritten;

    /// <summary>A writer into <paramref name="output"/>.</summary>
    public CatalogTsvWriter(IBufferWriter<byte> output) => _output = output;

    /// <inheritdoc />
    public override void Write(CatalogSelection selection)
    {
        var text = new StringBuilder();
        if (!_headerWritten)
        {
            text.AppendJoin('\t', Columns).Append('\n');
            _headerWritten = true;
        }
        foreach (var build in CatalogText.BuildOrder(selection.Provider, selection.Events))
        {
            foreach (var e in selection.Events)
            {
                if (!e.Builds.Contains(build.Label)) continue;
                var source = e.Provenance.FirstOrDefault(p => p.Build == build.Label);
                string[] row =
                [
                    build.Label, build.Os, build.OsBuild, Num(e.Id), Num(e.Version), e.Symbol,
                    e.Task.Name ?? "", Num(e.Task.Value), e.Opcode.Name ?? "", Num(e.Opcode.Value),
                    e.Level.Name ?? "", Num(e.Level.Value), CatalogText.Mask(e.Keywords), string.Join(' ', e.KeywordNames),
                    e.Channel ?? "", e.Message ?? "", FormatFields(e),
                    source?.Repository ?? "", source?.Path ?? "", source?.Commit ?? "",
                ];
                for (int i = 0; i < row.Length; i++)
                {
                    if (i > 0) text.Append('\t');
                    text.Append(Clean(row[i]));
                }
                text.Append('\n');
            }
        }
        WriteUtf8(_output, text.ToString());
    }

    /// <summary>The <c>fields</c> cell of an event: every field's <see cref="FormatField"/>, joined by "; ".</summary>
    public static string FormatFields(EventSchema e) => string.Join("; ", e.Fields.Select(f => FormatField(e, f)));

    /// <summary>One field as <c>Name:inType[/outType][[len=X]][{map=M}]</c>, e.g. <c>Address:win:Binary/win:SocketAddress[len=AddressLen]</c>.</summary>
    public static string FormatField(EventSchema e, FieldSchema f)
    {
        var s = new StringBuilder(f.Name).Append(':').Append(ManifestTypes.QualifiedInType(f.InType));
        if (f.OutType != OutType.Null) s.Append('/').Append(ManifestTypes.QualifiedOutType(f.OutType));
        if (f.FixedLength >= 0) s.Append("[len=").Append(Num(f.FixedLength)).Append(']');
        else if (f.LengthField >= 0) s.Append("[len=").Append(e.Fields[f.LengthField].Name).Append(']');
        if (f.Map is { } map) s.Append("{map=").Append(map.Name).Append('}');
        return s.ToString();
    }

    private static string Num(long n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Clean(string value) =>
        value.AsSpan().IndexOfAny('\t', '\n', '\r') < 0 ? value : value.Replace("\r\n", " ").Replace('\t', ' ').Replace('\n', ' ').Replace('\r', ' ');
}
