namespace Sockscope.Events;

/// <summary>
/// The Location field of 1000-series AFD events: the afd.sys call site that logged it (the first argument of its
/// AFDETW_TRACE* call; the thousands name the operation: 1 create, 2 close, 3 send, 4 receive, 5 connect, 6 accept,
/// 7 bind, 8 abort). Named here by what the call site does, from ../shared/winsock-notes/afd-observed-behaviour.md
/// and the traces it was learned from; only the codes Sockscope acts on or writes.
/// </summary>
internal static class AfdLocations
{
    public const int CreateEntry = 1002;
    public const int CreateExit = 1012;
    public const int CloseEntry = 2000;
    public const int CloseExit = 2001;
    public const int CleanupEntry = 2002;
    /// <summary>ConnectIndicationWithAddress: the transport indicates a connection on a listening endpoint.</summary>
    public const int ConnectIndication = 6500;
    public const int SendEntry = 3003;
    /// <summary>The inner entry of a nested (buffered) send.</summary>
    public const int NestedSendEntry = 3006;
    public const int SendExit = 3014;
    /// <summary>AfdRestartBufferSend: a nested send completing again; its bytes were counted by the outer send.</summary>
    public const int BufferedSendRestart = 3024;
    /// <summary>AfdTLBufferedSendCompleteBatch: buffered sends completing again; their bytes were counted already.</summary>
    public const int BufferedSendCompleteBatch = 3073;
    public const int SendMessageWithAddressEntry = 3100;
    public const int SendMessageWithAddressExit = 3200;
    /// <summary>AfdSendBackLog: the transport's ideal send backlog changed.</summary>
    public const int SendBacklog = 3300;
    /// <summary>A receive's entry: BufferLength is the buffer offered, not bytes received.</summary>
    public const int ReceiveEntry = 4106;
    public const int ReceiveExit = 4109;
    /// <summary>A receive completing later, under System.</summary>
    public const int ReceiveCompletedLater = 4114;
    public const int ReceiveFromWithAddressExit = 4201;
    public const int DatagramDrop = 4310;
    public const int ConnectWithAddressEntry = 5023;
    public const int ConnectExit = 5024;
    public const int ConnectExWithAddressEntry = 5031;
    /// <summary>ConnectEx completing, logged by the kernel under System.</summary>
    public const int ConnectExCompleted = 5036;
    public const int AcceptExEntry = 6100;
    /// <summary>AcceptEx completing under System, with the remote address and AcceptEndpoint.</summary>
    public const int AcceptExCompleted = 6101;
    public const int AcceptWithAddressExit = 6102;
    public const int BindWithAddressEntry = 7010;
    public const int BindWithAddressExit = 7022;
    /// <summary>A failed bind's exit: no address.</summary>
    public const int BindWithAddressFailed = 7023;
    /// <summary>An abort on the owner's thread.</summary>
    public const int Abort = 8000;
    /// <summary>An abort under System: the transport reset the connection.</summary>
    public const int TransportAbort = 8016;
    public const int Option = 9001;
    public const int ListenEntry = 13006;
    public const int ListenExit = 13013;
}
