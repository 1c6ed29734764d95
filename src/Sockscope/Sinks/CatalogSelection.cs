using Sockscope.Schema;

namespace Sockscope.Sinks;

/// <summary>One provider and the events of it to describe (all of them, or those of one id).</summary>
/// <param name="Provider">The provider.</param>
/// <param name="Events">Its events to write, by id then version.</param>
public sealed record CatalogSelection(ProviderSchema Provider, IReadOnlyList<EventSchema> Events)
{
    private const string WinsockPrefix = "Microsoft-Windows-Winsock-";
    private const string WindowsPrefix = "Microsoft-Windows-";

    /// <summary>True when the selection holds every event of the provider.</summary>
    public bool IsWholeProvider => Events.Count == Provider.Events.Count();

    /// <summary>Every event of a provider.</summary>
    public static CatalogSelection Of(ProviderSchema provider) => new(provider, provider.Events.ToArray());

    /// <summary>
    /// The short name of a provider: its name without "Microsoft-Windows-Winsock-" (else without
    /// "Microsoft-Windows-"), in lower case: <c>afd</c>, <c>sockets</c>, <c>nameresolution</c>.
    /// </summary>
    internal static string ShortName(ProviderSchema provider)
    {
        string name = provider.Name;
        if (name.StartsWith(WinsockPrefix, StringComparison.OrdinalIgnoreCase)) name = name[WinsockPrefix.Length..];
        else if (name.StartsWith(WindowsPrefix, StringComparison.OrdinalIgnoreCase)) name = name[WindowsPrefix.Length..];
        return name.ToLowerInvariant();
    }

    /// <summary>
    /// The provider that <paramref name="text"/> names: its full name (any case), its GUID (braces optional), its
    /// name without "Microsoft-Windows-" ("Winsock-AFD") or its short name (<see cref="ShortName"/>, any case).
    /// </summary>
    internal static ProviderSchema? FindProvider(SchemaCatalog catalog, string text)
    {
        text = text.Trim();
        if (text.Length == 0) return null;
        if (catalog.Find(text) is { } found) return found;
        foreach (var p in catalog.Providers)
        {
            if (string.Equals(ShortName(p), text, StringComparison.OrdinalIgnoreCase)) return p;
            if (p.Name.StartsWith(WindowsPrefix, StringComparison.OrdinalIgnoreCase)
                && string.Equals(p.Name[WindowsPrefix.Length..], text, StringComparison.OrdinalIgnoreCase)) return p;
        }
        return null;
    }

    /// <summary>
    /// What to write: the named provider (or every provider of the catalog), narrowed to the event id if one is
    /// given. Returns null with a one-line <paramref name="error"/> when the provider or the event is not there.
    /// </summary>
    public static IReadOnlyList<CatalogSelection>? Select(SchemaCatalog catalog, string? provider, int? eventId, out string? error)
    {
        error = null;
        IReadOnlyList<ProviderSchema> providers;
        if (provider is not null)
        {
            if (FindProvider(catalog, provider) is not { } p)
            {
                string known = string.Join(", ", catalog.Providers.Select(x => $"{ShortName(x)} ({x.Name})"));
                error = $"unknown provider '{provider}'; the catalog has {known}; a full name or GUID works too";
                return null;
            }
            providers = [p];
        }
        else providers = catalog.Providers;

        var selections = new List<CatalogSelection>();
        foreach (var p in providers)
        {
            var events = p.Events.Where(e => eventId is null || e.Id == eventId).ToArray();
            if (events.Length > 0) selections.Add(new CatalogSelection(p, events));
        }
        if (selections.Count == 0 && eventId is { } id)
        {
            error = provider is not null
                ? $"{providers[0].Name} has no event {id}; its events are {CatalogText.Ranges(providers[0].Events.Select(e => (int)e.Id))}"
                : $"no provider in the catalog has event {id}";
            return null;
        }
        return selections;
    }
}
