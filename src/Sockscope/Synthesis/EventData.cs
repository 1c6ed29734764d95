namespace Sockscope.Synthesis;

/// <summary>One event's field values, reused from event to event (numbers, bytes and strings by <see cref="SimField"/>).</summary>
internal sealed class EventData
{
    public readonly ulong[] N = new ulong[(int)SimField.Count];
    public readonly byte[]?[] B = new byte[]?[(int)SimField.Count];
    public readonly string?[] S = new string?[(int)SimField.Count];

    public EventData Clear()
    {
        Array.Clear(N);
        Array.Clear(B);
        Array.Clear(S);
        return this;
    }

    public EventData Set(SimField f, ulong value) { N[(int)f] = value; return this; }
    public EventData Set(SimField f, byte[]? bytes) { B[(int)f] = bytes; return this; }
    public EventData Set(SimField f, string? text) { S[(int)f] = text; return this; }
}
