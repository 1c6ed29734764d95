namespace Sockscope.Synthesis;

/// <summary>The fields the synthesiser sets, by name: a schema field of another name is written as zero.</summary>
internal enum SimField : byte
{
    None, EnterExit, Location, Process, Endpoint, AddressFamily, SocketType, Protocol, ProcessId, Status, BufferCount,
    Buffer, BufferLength, AddressLen, Address, AcceptEndpoint, CurrentBacklog, Reason, Option, Value, Backlog, FastPath,
    Port, Error, UserModePid, PacketSize, ListenEndpoint, BytesIndicated, EventMask, SendBacklog, ErrorCode, Socket,
    FailurePoint, IsProviderSocket, SocketAccepted, SocketListening, Level, OptName, OptLen, OptVal, AddressLength,
    NodeName, ServiceName, Flags, Family, Result,
    Count,
}
