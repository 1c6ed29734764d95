namespace Sockscope.Analysis;

/// <summary>A buffer in flight: the process (EPROCESS) and the buffer's address in it.</summary>
internal readonly record struct BufferKey(ulong Process, ulong Buffer)
{
    public override int GetHashCode() => (int)(Buffer ^ Buffer >> 32) ^ (int)(Process * 0x9E3779B97F4A7C15 >> 32);
}
