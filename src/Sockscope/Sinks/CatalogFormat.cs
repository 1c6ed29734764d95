namespace Sockscope.Sinks;

/// <summary>The ways a schema catalog can be written out.</summary>
public enum CatalogFormat
{
    /// <summary>A Markdown page per provider, for a person and for documentation.</summary>
    Markdown,
    /// <summary>One tab-separated row per (build, event), in the layout of the events_by_build.tsv reference files.</summary>
    Tsv,
    /// <summary>One JSON document with every provider and event.</summary>
    Json,
}
