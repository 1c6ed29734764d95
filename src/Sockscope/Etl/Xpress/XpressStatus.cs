namespace Sockscope.Etl.Xpress;

/// <summary>Outcome of <see cref="XpressDecoder.Decompress"/>.</summary>
internal enum XpressStatus
{
    /// <summary>
    /// The stream ended cleanly (end marker, or input exhausted at a token boundary), or the destination
    /// was filled exactly at a token boundary.
    /// </summary>
    Done,

    /// <summary>
    /// The stream is malformed: truncated flags word, match token or length field; a match reaching back
    /// before the start of the output; or an impossible escaped length.
    /// </summary>
    InvalidData,

    /// <summary>
    /// A match needed more room than the destination had left. The destination has been filled with the
    /// part of the match that fits.
    /// </summary>
    DestinationTooSmall,
}
