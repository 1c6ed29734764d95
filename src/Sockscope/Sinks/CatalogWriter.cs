using System.Buffers;
using System.Text;

namespace Sockscope.Sinks;

/// <summary>Writes a catalog's providers and events in one of the <see cref="CatalogFormat"/>s.</summary>
/// <remarks>
/// Call <see cref="Write"/> once per provider, then <see cref="Complete"/>. The writers format into an
/// <see cref="IBufferWriter{T}"/> of UTF-8 and never flush it: the caller drains it after each provider.
/// </remarks>
public abstract class CatalogWriter
{
    /// <summary>Only the library's own writers (made by <see cref="Create"/>) derive from it.</summary>
    private protected CatalogWriter() { }

    /// <summary>Writes one provider's events.</summary>
    public abstract void Write(CatalogSelection selection);

    /// <summary>Ends the output (closes the JSON document).</summary>
    public virtual void Complete() { }

    /// <summary>A writer of <paramref name="format"/> into <paramref name="output"/>.</summary>
    public static CatalogWriter Create(CatalogFormat format, IBufferWriter<byte> output) => format switch
    {
        CatalogFormat.Markdown => new CatalogMarkdownWriter(output),
        CatalogFormat.Tsv => new CatalogTsvWriter(output),
        CatalogFormat.Json => new CatalogJsonWriter(output),
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    private protected static void WriteUtf8(IBufferWriter<byte> output, string text)
    {
        if (text.Length == 0) return;
        var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        output.Advance(Encoding.UTF8.GetBytes(text, span));
    }
}
