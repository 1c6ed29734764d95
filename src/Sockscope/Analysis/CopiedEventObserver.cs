namespace Sockscope.Analysis;

/// <summary>
/// Sees one decoded event, as copied from its record, and the socket it was about (null when none), on the analysing
/// thread; <paramref name="payload"/> is valid during the call only.
/// </summary>
internal delegate void CopiedEventObserver(in EventCopy copy, ReadOnlySpan<byte> payload, SocketRecord? socket);
