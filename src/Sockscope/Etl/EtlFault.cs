namespace Sockscope.Etl;

/// <summary>What exactly is wrong with a record, a buffer header or a compressed stream.</summary>
internal enum EtlFaultKind
{
    // A record that cannot be framed (RecordLayout.TryFrame).
    /// <summary>Fewer than 8 bytes left for a record header.</summary>
    RecordHeaderTruncated,
    /// <summary>A typed header whose type byte (A) is no known header type.</summary>
    UnknownHeaderType,
    /// <summary>No record marker: A is the header's first 4 bytes.</summary>
    NoHeaderMarker,
    /// <summary>A record size of zero.</summary>
    RecordSizeZero,
    /// <summary>A record size (A) below its header's length (B).</summary>
    RecordSizeBelowHeader,
    /// <summary>A record size (A) that runs B bytes past the end of the buffer.</summary>
    RecordSizePastBuffer,
    /// <summary>A PERFINFO header's extended items run past the record.</summary>
    PerfInfoItemsPastRecord,
    /// <summary>The head of an extended data item at +A runs past the record.</summary>
    ExtendedItemHeadPastRecord,
    /// <summary>An extended data item at +A of B bytes runs past the record.</summary>
    ExtendedItemPastRecord,
    /// <summary>A WPP message's time stamp runs past the record.</summary>
    MessageTimestampPastRecord,
    /// <summary>A WPP message's items run past the record.</summary>
    MessageItemsPastRecord,

    // The logfile header record.
    /// <summary>The first record is no logfile header event (its layout is <see cref="EtlFault.Family"/>).</summary>
    NotLogfileHeader,
    /// <summary>The logfile header event is too short for its fixed part.</summary>
    LogfileHeaderTooShort,

    // A buffer header (BufferHeaderCheck, BufferScanner).
    /// <summary>A buffer size (A) below the buffer header's own size.</summary>
    BufferSmallerThanHeader,
    /// <summary>A buffer size (A) above the reader's limit (B).</summary>
    BufferSizeOverLimit,
    /// <summary>A buffer size (A) other than the session's (B) in an uncompressed session.</summary>
    BufferSizeNotSession,
    /// <summary>The logfile header's buffer is flagged compressed.</summary>
    HeaderBufferCompressed,
    /// <summary>A buffer flagged compressed in a session that does not compress.</summary>
    CompressedInPlainSession,
    /// <summary>A compressed buffer that claims A bytes once decompressed, over the limit B.</summary>
    DecompressedSizeOverLimit,
    /// <summary>A compression format (A) other than XPRESS.</summary>
    UnknownCompressionFormat,
    /// <summary>A buffer that claims A bytes of records in B bytes.</summary>
    FilledPastBuffer,
    /// <summary>A buffer whose records end at byte A, inside its own header.</summary>
    FilledInsideHeader,
    /// <summary>Buffer flags (A) with bits no Windows writes.</summary>
    UnknownBufferFlags,
    /// <summary>An unknown buffer type (A).</summary>
    UnknownBufferType,
    /// <summary>A buffer for processor A in a session of B processors.</summary>
    ProcessorOutOfRange,
    /// <summary>A compressed buffer whose records end at byte A but which decompresses to B.</summary>
    CompressedEndMismatch,
    /// <summary>A compressed buffer size (A) that leaves no room for the B bytes of records it decompresses to.</summary>
    CompressedTooSmall,
    /// <summary>A compressed buffer size (A) larger than any XPRESS stream of its B bytes of records.</summary>
    CompressedTooLarge,
    /// <summary>A buffer size (A) that runs past the buffer header found at file offset B.</summary>
    BufferRunsPastNextHeader,

    // A compressed stream (BufferStream).
    /// <summary>The XPRESS stream is damaged at byte A of its B.</summary>
    XpressDamaged,
    /// <summary>The XPRESS stream decompresses past the buffer's stated size.</summary>
    XpressOverflow,
    /// <summary>The XPRESS stream ends after A of B bytes.</summary>
    XpressShort,
}

/// <summary>
/// One fault with the values that explain it. The sentence a person reads is made here and nowhere else (the CLI
/// prints it, so its words are fixed); code and tests look at <see cref="Kind"/> and the values.
/// </summary>
/// <param name="Kind">What is wrong.</param>
/// <param name="A">The first value the kind names (see <see cref="EtlFaultKind"/>).</param>
/// <param name="B">The second value the kind names.</param>
/// <param name="Family">For the record kinds that name a header layout: that layout.</param>
internal readonly record struct EtlFault(EtlFaultKind Kind, long A = 0, long B = 0, TraceHeaderFamily Family = default)
{
    /// <summary>The fault as a sentence (without the consequence the reader adds).</summary>
    public override string ToString() => Kind switch
    {
        EtlFaultKind.RecordHeaderTruncated => "record header truncated",
        EtlFaultKind.UnknownHeaderType => $"unknown trace header type 0x{A:X2}",
        EtlFaultKind.NoHeaderMarker => $"no trace header marker (0x{A:X8})",
        EtlFaultKind.RecordSizeZero => "record size is zero",
        EtlFaultKind.RecordSizeBelowHeader => $"record size {A} is smaller than its {Family.LayoutName()} ({B} bytes)",
        EtlFaultKind.RecordSizePastBuffer => $"record size {A} runs {B} bytes past the end of the buffer",
        EtlFaultKind.PerfInfoItemsPastRecord => "perfinfo extended items run past the record",
        EtlFaultKind.ExtendedItemHeadPastRecord => $"extended data item header at +{A} runs past the record",
        EtlFaultKind.ExtendedItemPastRecord => $"extended data item at +{A} ({B} bytes) runs past the record",
        EtlFaultKind.MessageTimestampPastRecord => "message time stamp runs past the record",
        EtlFaultKind.MessageItemsPastRecord => "message items run past the record",
        EtlFaultKind.NotLogfileHeader => $"the first record is a {Family.LayoutName()}, not the logfile header event",
        EtlFaultKind.LogfileHeaderTooShort => "the logfile header event is too short",
        EtlFaultKind.BufferSmallerThanHeader => $"buffer size {A} is smaller than its own header",
        EtlFaultKind.BufferSizeOverLimit => $"buffer size {A} exceeds the limit of {B} bytes",
        EtlFaultKind.BufferSizeNotSession =>
            $"buffer size {A} is not the session's buffer size ({B}), which every buffer of an uncompressed session has",
        EtlFaultKind.HeaderBufferCompressed => "the logfile header buffer is flagged compressed",
        EtlFaultKind.CompressedInPlainSession => "buffer is flagged compressed in a session that does not compress",
        EtlFaultKind.DecompressedSizeOverLimit => $"compressed buffer claims {A} bytes once decompressed (limit {B})",
        EtlFaultKind.UnknownCompressionFormat =>
            $"buffer is compressed with format {A}, which no known Windows writes (only 3, XPRESS, is read)",
        EtlFaultKind.FilledPastBuffer => $"buffer claims {A} bytes of records in a {B}-byte buffer",
        EtlFaultKind.FilledInsideHeader => $"buffer's records end at byte {A}, inside its own header",
        EtlFaultKind.UnknownBufferFlags => $"buffer flags 0x{A:X4} hold bits that no Windows writes",
        EtlFaultKind.UnknownBufferType => $"buffer type {A} is unknown",
        EtlFaultKind.ProcessorOutOfRange => $"buffer is for processor {A}, but the session has {B}",
        EtlFaultKind.CompressedEndMismatch => $"compressed buffer's records end at byte {A}, but it decompresses to {B}",
        EtlFaultKind.CompressedTooSmall =>
            $"compressed buffer size {A} leaves no room for the {B} bytes of records it decompresses to",
        EtlFaultKind.CompressedTooLarge =>
            $"compressed buffer size {A} is more than any XPRESS stream of its {B} bytes of records takes",
        EtlFaultKind.BufferRunsPastNextHeader => $"buffer size {A} runs past the buffer header at offset {B}",
        EtlFaultKind.XpressDamaged => $"XPRESS stream is damaged at byte {A} of its {B}",
        EtlFaultKind.XpressOverflow => "XPRESS stream decompresses past the buffer's stated size",
        EtlFaultKind.XpressShort => $"XPRESS stream ends after {A} of {B} bytes",
        _ => Kind.ToString(),
    };
}
