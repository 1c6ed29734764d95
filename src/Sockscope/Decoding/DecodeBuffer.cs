using Sockscope.Etl;
using Sockscope.Schema;

namespace Sockscope.Decoding;

/// <summary>
/// The value buffer a decoder reuses, and the one way payloads are laid over schemas: a flat template's compiled
/// form when it has one (made on first use and kept on the schema), the general path otherwise.
/// </summary>
internal sealed class DecodeBuffer
{
    private FieldValue[] _values = new FieldValue[32];

    /// <summary>Decodes a payload; the result is valid until the next call.</summary>
    public DecodedEvent Decode(EventSchema schema, ReadOnlySpan<byte> payload, int pointerSize)
    {
        int n = schema.Fields.Count;
        if (_values.Length < n) _values = new FieldValue[Math.Max(n, _values.Length * 2)];
        var values = _values.AsSpan(0, n);
        var status = FlatTemplate.Of(schema) is { } flat
            ? flat.Decode(payload, pointerSize, values)
            : PayloadDecoder.Decode(schema.Fields, payload, pointerSize, values);
        return new DecodedEvent(schema, values, payload, pointerSize, status);
    }

    /// <summary>
    /// Decodes a record's user data against the schema a decoder found for it (by catalog or by its own metadata);
    /// false, with nothing decoded, when it found none.
    /// </summary>
    public bool TryDecode(EventSchema? schema, in EtlRecord record, out DecodedEvent decoded)
    {
        if (schema is null)
        {
            decoded = default;
            return false;
        }
        decoded = Decode(schema, record.UserData, record.PointerSize);
        return true;
    }
}
