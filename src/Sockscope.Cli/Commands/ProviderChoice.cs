using Sockscope.Events;
using Sockscope.Schema;
using Sockscope.Sinks;

namespace Sockscope.Cli.Commands;

/// <summary>
/// The provider a command line names (<c>dump --provider</c>, <c>catalog PROVIDER</c>): a GUID (braces optional), a
/// full name in any case (the catalog's, a manifest's or a well-known provider's), the name without
/// "Microsoft-Windows-" ("Winsock-AFD"), or a Winsock provider's short name (<c>afd</c>, <c>sockets</c>,
/// <c>nameresolution</c> or <c>nameres</c>, <c>ws2help</c>).
/// </summary>
internal static class ProviderChoice
{
    private const string WinsockPrefix = "Microsoft-Windows-Winsock-";
    private const string WindowsPrefix = "Microsoft-Windows-";

    /// <summary>The names accepted, as an error message lists them.</summary>
    public const string Accepted =
        "afd, sockets, nameresolution (or nameres), ws2help, a full provider name (any case, e.g. Microsoft-Windows-Winsock-AFD) or a GUID";

    /// <summary>The GUID <paramref name="text"/> names, or null when it names no provider known before the trace is read.</summary>
    public static Guid? Resolve(string text, SchemaCatalog catalog)
    {
        text = text.Trim();
        if (text.Length == 0) return null;
        if (Guid.TryParse(text, out var guid)) return guid;
        if (text.Equals("nameres", StringComparison.OrdinalIgnoreCase)) return WellKnownProviders.WinsockNameResolution;
        if (CatalogSelection.FindProvider(catalog, text) is { } schema) return schema.Guid;
        if (WellKnownProviders.TryGetGuid(text, out guid)) return guid;
        // Short and shortened names of the well-known providers (ws2help, Winsock-WS2HELP, DNS-Client).
        foreach (var (known, name) in WellKnownProviders.All)
        {
            if (Shortened(name, WinsockPrefix, text) || Shortened(name, WindowsPrefix, text)) return known;
        }
        return null;
    }

    /// <summary>The name of <paramref name="provider"/> for messages: the catalog's or the well-known one, else its GUID.</summary>
    public static string NameOf(Guid provider, SchemaCatalog catalog) =>
        catalog.Find(provider)?.Name ?? (WellKnownProviders.TryGetName(provider, out var name) ? name : provider.ToString("B"));

    private static bool Shortened(string name, string prefix, string text) =>
        name.Length == prefix.Length + text.Length && name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
        && name.EndsWith(text, StringComparison.OrdinalIgnoreCase);
}
