namespace Sockscope.Analysis;

/// <summary>
/// A socket completed (<see cref="Socket"/>) or a finding found (<see cref="Finding"/>) while a batch's event
/// <see cref="Before"/> was analysed: the observer sees it before that event, as it would on one thread, with
/// <see cref="Seen"/>, the socket's values as they were when it completed (the analysis goes on changing the record
/// while the observer runs behind it).
/// </summary>
internal readonly record struct CopiedEventNote(int Before, SocketRecord? Socket, SocketRecord? Seen, Finding? Finding);
