using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace Sockscope.Sinks.Report;

/// <summary>
/// The report's page: the HTML template with its style sheet and script inline and the data between them, so the
/// one file works offline. The page's Content-Security-Policy allows no network at all and only the report's own
/// script (by its hash): even text that got into the page as markup could not load or run anything.
/// </summary>
internal static class ReportPage
{
    private const string DataMarker = "{{DATA}}";
    private static readonly Lazy<(byte[] Head, byte[] Tail)> Template = new(Load);

    /// <summary>The page's script (report.js), as embedded.</summary>
    // Line ends as the HTML parser leaves them, so the hash matches what the browser hashes on any checkout.
    public static string Script => Resource("report.js").Replace("\r\n", "\n", StringComparison.Ordinal);

    /// <summary>Writes the page with <paramref name="data"/> to <paramref name="output"/>.</summary>
    public static void Write(Stream output, ReportData data)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(data);
        var (head, tail) = Template.Value;
        output.Write(head);
        ReportJson.Write(output, data);
        output.Write(tail);
        output.Flush();
    }

    private static (byte[], byte[]) Load()
    {
        string script = Script;
        // Neither text may end the script or style element that holds it; they are the project's own, so this only guards edits.
        if (script.Contains("</script", StringComparison.OrdinalIgnoreCase) || Resource("report.css").Contains("</style", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException("the report's script or style sheet closes its own element");
        string hash = "sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(script)));
        string page = Resource("report.html")
            .Replace("{{SCRIPT_HASH}}", hash, StringComparison.Ordinal)
            .Replace("{{STYLE}}", Resource("report.css"), StringComparison.Ordinal)
            .Replace("{{SCRIPT}}", script, StringComparison.Ordinal);
        int at = page.IndexOf(DataMarker, StringComparison.Ordinal);
        return (Encoding.UTF8.GetBytes(page[..at]), Encoding.UTF8.GetBytes(page[(at + DataMarker.Length)..]));
    }

    private static string Resource(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Sockscope.Sinks.Report." + name)
            ?? throw new InvalidOperationException($"the report template {name} is missing from the assembly");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
