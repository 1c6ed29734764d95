using Sockscope.Etl;

namespace Sockscope.Tests.Etl;

/// <summary>
/// The sentence of every fault, in full: the CLI prints these words and the behaviour snapshot compares them, so each
/// is pinned once here while the reader's tests look at kinds and values.
/// </summary>
public class EtlFaultTextTests
{
    public static TheoryData<string, long, long, string> Sentences => new()
    {
        { nameof(EtlFaultKind.RecordHeaderTruncated), 0, 0, "record header truncated" },
        { nameof(EtlFaultKind.UnknownHeaderType), 0x0E, 0, "unknown trace header type 0x0E" },
        { nameof(EtlFaultKind.NoHeaderMarker), 0x0012ABCD, 0, "no trace header marker (0x0012ABCD)" },
        { nameof(EtlFaultKind.RecordSizeZero), 0, 0, "record size is zero" },
        { nameof(EtlFaultKind.RecordSizeBelowHeader), 32, 80, "record size 32 is smaller than its EventHeader (80 bytes)" },
        { nameof(EtlFaultKind.RecordSizePastBuffer), 65520, 63000, "record size 65520 runs 63000 bytes past the end of the buffer" },
        { nameof(EtlFaultKind.PerfInfoItemsPastRecord), 0, 0, "perfinfo extended items run past the record" },
        { nameof(EtlFaultKind.ExtendedItemHeadPastRecord), 88, 0, "extended data item header at +88 runs past the record" },
        { nameof(EtlFaultKind.ExtendedItemPastRecord), 80, 16384, "extended data item at +80 (16384 bytes) runs past the record" },
        { nameof(EtlFaultKind.MessageTimestampPastRecord), 0, 0, "message time stamp runs past the record" },
        { nameof(EtlFaultKind.MessageItemsPastRecord), 0, 0, "message items run past the record" },
        { nameof(EtlFaultKind.NotLogfileHeader), 0, 0, "the first record is a EventHeader, not the logfile header event" },
        { nameof(EtlFaultKind.LogfileHeaderTooShort), 0, 0, "the logfile header event is too short" },
        { nameof(EtlFaultKind.BufferSmallerThanHeader), 16, 0, "buffer size 16 is smaller than its own header" },
        { nameof(EtlFaultKind.BufferSizeOverLimit), 4294967280, 67108864, "buffer size 4294967280 exceeds the limit of 67108864 bytes" },
        { nameof(EtlFaultKind.BufferSizeNotSession), 8192, 65536,
            "buffer size 8192 is not the session's buffer size (65536), which every buffer of an uncompressed session has" },
        { nameof(EtlFaultKind.HeaderBufferCompressed), 0, 0, "the logfile header buffer is flagged compressed" },
        { nameof(EtlFaultKind.CompressedInPlainSession), 0, 0, "buffer is flagged compressed in a session that does not compress" },
        { nameof(EtlFaultKind.DecompressedSizeOverLimit), 2147483647, 65536,
            "compressed buffer claims 2147483647 bytes once decompressed (limit 65536)" },
        { nameof(EtlFaultKind.UnknownCompressionFormat), 4, 0,
            "buffer is compressed with format 4, which no known Windows writes (only 3, XPRESS, is read)" },
        { nameof(EtlFaultKind.FilledPastBuffer), 4096, 2048, "buffer claims 4096 bytes of records in a 2048-byte buffer" },
        { nameof(EtlFaultKind.FilledInsideHeader), 16, 0, "buffer's records end at byte 16, inside its own header" },
        { nameof(EtlFaultKind.UnknownBufferFlags), 0x8001, 0, "buffer flags 0x8001 hold bits that no Windows writes" },
        { nameof(EtlFaultKind.UnknownBufferType), 9, 0, "buffer type 9 is unknown" },
        { nameof(EtlFaultKind.ProcessorOutOfRange), 7, 2, "buffer is for processor 7, but the session has 2" },
        { nameof(EtlFaultKind.CompressedEndMismatch), 1000, 1200, "compressed buffer's records end at byte 1000, but it decompresses to 1200" },
        { nameof(EtlFaultKind.CompressedTooSmall), 76, 900,
            "compressed buffer size 76 leaves no room for the 900 bytes of records it decompresses to" },
        { nameof(EtlFaultKind.CompressedTooLarge), 9000, 100,
            "compressed buffer size 9000 is more than any XPRESS stream of its 100 bytes of records takes" },
        { nameof(EtlFaultKind.BufferRunsPastNextHeader), 8192, 12288, "buffer size 8192 runs past the buffer header at offset 12288" },
        { nameof(EtlFaultKind.XpressDamaged), 17, 300, "XPRESS stream is damaged at byte 17 of its 300" },
        { nameof(EtlFaultKind.XpressOverflow), 0, 0, "XPRESS stream decompresses past the buffer's stated size" },
        { nameof(EtlFaultKind.XpressShort), 1500, 2000, "XPRESS stream ends after 1500 of 2000 bytes" },
    };

    [Theory]
    [MemberData(nameof(Sentences))]
    public void Each_fault_reads_as_its_sentence(string kind, long a, long b, string sentence)
    {
        var family = kind is nameof(EtlFaultKind.RecordSizeBelowHeader) or nameof(EtlFaultKind.NotLogfileHeader)
            ? TraceHeaderFamily.EventHeader
            : default;
        Assert.Equal(sentence, new EtlFault(Enum.Parse<EtlFaultKind>(kind), a, b, family).ToString());
    }

    [Fact]
    public void Every_kind_has_a_sentence()
    {
        var pinned = Sentences.Select(row => (string)row[0]).ToHashSet();
        Assert.Equal(Enum.GetNames<EtlFaultKind>().Order(), pinned.Order());
    }
}
