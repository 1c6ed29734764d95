using System.Text.Json;
using Sockscope.Etl;
using Sockscope.Schema;

namespace Sockscope.Sources;

/// <summary>Opens an input of any kind the commands read, recognising the kind from the content.</summary>
public static class EventSources
{
    /// <summary>
    /// Opens <paramref name="path"/>: an ETL file, or JSON lines of the catalog's format, SilkETW's or Sealighter's,
    /// as <paramref name="format"/> says or (for <see cref="InputFormat.Auto"/>) as the first event shows.
    /// </summary>
    /// <exception cref="EtlFormatException">The input is none of these.</exception>
    public static IEventSource Open(string path, InputFormat format = InputFormat.Auto, EtlReaderOptions? options = null, SchemaCatalog? catalog = null)
    {
        if (format == InputFormat.Auto) format = Detect(path);
        return format == InputFormat.Etl
            ? EtlReader.Open(path, options)
            : JsonEventSource.Open(path, format, catalog, (options ?? new EtlReaderOptions()).MaxProblemsKept);
    }

    /// <summary>
    /// The kind of input: JSON when the first byte that is not white space (after a UTF-8 byte order mark) is "{",
    /// the collector then told by the first line's keys; an ETL file otherwise (the ETL reader says when it is not).
    /// </summary>
    public static InputFormat Detect(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
        var head = new byte[64 * 1024];
        int n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        var span = head.AsSpan(0, n);
        if (span.StartsWith("\xEF\xBB\xBF"u8)) span = span[3..];
        int i = 0;
        while (i < span.Length && span[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') i++;
        if (i == span.Length || span[i] != (byte)'{') return InputFormat.Etl;
        // The first line, or as much of it as was read.
        var rest = span[i..];
        int nl = rest.IndexOf((byte)'\n');
        var line = nl < 0 ? rest : rest[..nl];
        try
        {
            using var doc = JsonDocument.Parse(line.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
            var root = doc.RootElement;
            if (CatalogJsonFormat.Looks(root)) return InputFormat.Jsonl;
            if (SilkEtwFormat.Looks(root)) return InputFormat.SilkEtw;
            if (SealighterFormat.Looks(root)) return InputFormat.Sealighter;
        }
        catch (JsonException)
        {
        }
        throw new EtlFormatException(path, i, "not an ETL file, and its first line is no JSON event of a known kind (the catalog's JSON lines, SilkETW or Sealighter): name one with --input-format");
    }
}
