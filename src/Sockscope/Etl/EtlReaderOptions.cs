namespace Sockscope.Etl;

/// <summary>In what order <see cref="EtlReader"/> delivers records.</summary>
public enum RecordOrder
{
    /// <summary>Per-processor buffers merged by time stamp (what Windows' ProcessTrace does).</summary>
    Time,
    /// <summary>As the records lie in the file: fastest, no merge.</summary>
    File,
}

/// <summary>Settings of <see cref="EtlReader"/>, in one small type. The limits bound what hostile input can cost.</summary>
public sealed record EtlReaderOptions
{
    /// <summary>The default settings.</summary>
    public static EtlReaderOptions Default { get; } = new();

    /// <summary>Delivery order.</summary>
    public RecordOrder Order { get; init; } = RecordOrder.Time;

    /// <summary>
    /// Largest buffer accepted, in the file or once decompressed (ETW's own maximum session buffer is 16 MiB;
    /// pktmon asks for it). A larger size is damage.
    /// </summary>
    public int MaxBufferSize { get; init; } = 64 * 1024 * 1024;

    /// <summary>
    /// How many buffers are indexed and merged together. A file with more buffers is merged window by window:
    /// exact order within a window, and memory bounded by 48 bytes per buffer of a window.
    /// </summary>
    public int MergeWindowBuffers { get; init; } = 1 << 20;

    /// <summary>
    /// Memory the time merge may hold in per-processor buffers. A window that would need more (very many processors
    /// times very large buffers) is read in file order instead, and a problem is reported.
    /// </summary>
    public long MergeMemoryBudget { get; init; } = 256L * 1024 * 1024;

    /// <summary>
    /// Memory the time merge of a trace read from a stream that cannot seek (<see cref="EtlReader.Open(Stream, string, EtlReaderOptions?)"/>)
    /// may hold in buffers read ahead and each processor's loaded buffer (default 64 MiB). A stream cannot go back
    /// for a buffer, so the merge reads ahead while it holds less than this: order is exact, and the same as reading
    /// the file, unless a buffer lies further ahead in the stream than this holds. Such a buffer's records are still
    /// delivered, late, and counted (<see cref="EtlDiagnostics.RecordsOutOfOrder"/>); a problem says so.
    /// </summary>
    public long StreamMergeBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>
    /// Decompress XPRESS-compressed buffers on a second core, ahead of the reading thread, in the order the merge
    /// will want them (default on). Records, their order and the problems reported are the same either way; only
    /// the time differs. It takes effect when the machine has more than one processor and a merge window holds at
    /// least 8 compressed buffers (fewer cost more to hand over than they save); decompressed buffers waiting to be
    /// read take up to 4 MiB, or two buffers when a buffer is larger than 2 MiB. Turn it off to keep reading on the
    /// calling thread alone.
    /// </summary>
    public bool ParallelDecompression { get; init; } = true;

    /// <summary>How many problems are kept with their details; later ones are only counted.</summary>
    public int MaxProblemsKept { get; init; } = 1000;
}
