namespace Sockscope.Decoding.Values;

/// <summary>
/// How a field's values reach a JSON line, decided once per field from its schema
/// (<see cref="FieldFormatter.JsonRouteOf"/>) so a writer of millions of events does not ask again for each value.
/// </summary>
internal enum JsonRoute : byte
{
    /// <summary>Through a <see cref="System.Text.Json.Utf8JsonWriter"/>: value maps, strings, floating point, structs and arrays.</summary>
    Writer,
    /// <summary>A JSON number or literal, formatted straight into the output.</summary>
    Bare,
    /// <summary>ASCII text JSON need not escape, formatted straight into the output between quotes.</summary>
    Quoted,
}
