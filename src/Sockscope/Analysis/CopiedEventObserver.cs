namespace Sockscope.Analysis;

/// <summary>
/// Sees one decoded event, as copied from its record, and the socket it was about (null when none) with that
/// socket's byte counts as of the event (<paramref name="bytesSent"/>, <paramref name="bytesReceived"/>: the record
/// itself may have moved on, analysed on another thread); <paramref name="payload"/> is valid during the call only.
/// </summary>
internal delegate void CopiedEventObserver(in EventCopy copy, ReadOnlySpan<byte> payload, SocketRecord? socket, long bytesSent, long bytesReceived);
