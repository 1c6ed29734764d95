namespace Sockscope.Sources;

/// <summary>The kinds of input the commands read.</summary>
public enum InputFormat
{
    /// <summary>Recognise the kind from the content.</summary>
    Auto,
    /// <summary>An ETL file as Windows writes it.</summary>
    Etl,
    /// <summary>JSON lines in the catalog's event format (<c>system</c>, <c>event_data</c>, <c>message</c>), as <c>sockscope dump</c> writes them.</summary>
    Jsonl,
    /// <summary>SilkETW's JSON events (<c>ProviderGuid</c>, <c>EventName</c>, <c>XmlEventData</c>, …).</summary>
    SilkEtw,
    /// <summary>Sealighter's JSON events (<c>header</c>, <c>properties</c>, <c>property_types</c>).</summary>
    Sealighter,
}
