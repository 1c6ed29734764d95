using Sockscope.Decoding;
using Sockscope.Etl;

namespace Sockscope.Analysis;

/// <summary>Sees one decoded event and the socket it was about (null when none); the record and the event are valid during the call only.</summary>
public delegate void DecodedEventObserver(in EtlRecord record, in DecodedEvent decoded, SocketRecord? socket);
