using Sockscope.Schema;

namespace Sockscope.Sinks.Report;

/// <summary>
/// The schemas of the events a report holds, numbered as first seen, so a held event names its schema by number
/// rather than by reference. A catalog has a few hundred schemas; runs of one kind are common, so the last is kept at hand.
/// </summary>
internal sealed class HeldSchemas
{
    private readonly List<EventSchema> _schemas = [];
    private readonly Dictionary<EventSchema, int> _numbers = new(ReferenceEqualityComparer.Instance);
    private EventSchema? _last;
    private int _lastNumber;

    /// <summary>The schema numbered <paramref name="number"/>.</summary>
    public EventSchema this[int number] => _schemas[number];

    /// <summary>The number of <paramref name="schema"/>, given it the next one when first seen.</summary>
    public int IndexOf(EventSchema schema)
    {
        if (ReferenceEquals(schema, _last)) return _lastNumber;
        if (!_numbers.TryGetValue(schema, out int number))
        {
            number = _schemas.Count;
            _schemas.Add(schema);
            _numbers.Add(schema, number);
        }
        _last = schema;
        _lastNumber = number;
        return number;
    }
}
