namespace Sockscope.Synthesis;

/// <summary>A process of the synthesised machine.</summary>
internal sealed class SimProcess
{
    public required string Name { get; init; }
    public required string CommandLine { get; init; }
    public uint Pid { get; init; }
    public uint ParentId { get; init; }
    public uint Session { get; init; }
    public bool Wow64 { get; init; }
    /// <summary>Started during the trace (a Start event) rather than running when it began (DCStart).</summary>
    public bool StartsLater { get; init; }
    public int Index { get; init; }
    public ulong EProcess { get; init; }
    public ulong DirectoryTableBase { get; init; }
    public required byte[] Sid { get; init; }
    public required uint[] Threads { get; init; }
    public required ProcessTruth Truth { get; init; }
    public uint NextHandle = 0x1F0;
    public int NextBufferSlot;
    public bool Running;

    public uint Thread(int i) => Threads[(uint)i % (uint)Threads.Length];

    /// <summary>A new socket handle: handle values are multiples of 4.</summary>
    public ulong NewHandle() => NextHandle += 4u * (uint)(1 + (NextHandle >> 3) % 5);
}
