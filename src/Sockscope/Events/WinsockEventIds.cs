namespace Sockscope.Events;

// The Winsock event ids the analysis and the synthesizer act on, named as the shipped catalog
// (Schema/winsock-catalog.json) names them; WinsockEventIdsTests holds each one against the catalog.

/// <summary>
/// Microsoft-Windows-Winsock-AFD events of current Windows (the 1000-series), named by the catalog's task without
/// its "Afd" prefix. Most come as an entry and an exit (EnterExit 0 and 1).
/// </summary>
internal static class AfdEventIds
{
    public const ushort Create = 1000;
    public const ushort Close = 1001;
    public const ushort Cleanup = 1002;
    public const ushort Send = 1003;
    public const ushort Receive = 1004;
    public const ushort SendTo = 1005;
    public const ushort ReceiveFrom = 1006;
    public const ushort SendToWithAddress = 1007;
    public const ushort ReceiveFromWithAddress = 1009;
    public const ushort SendMessage = 1011;
    public const ushort ReceiveMessage = 1012;
    public const ushort SendMessageWithAddress = 1013;
    public const ushort ReceiveMessageWithAddress = 1015;
    public const ushort Connect = 1017;
    public const ushort ConnectWithAddress = 1018;
    public const ushort ConnectEx = 1020;
    public const ushort ConnectExWithAddress = 1021;
    public const ushort Accept = 1023;
    public const ushort AcceptWithAddress = 1024;
    public const ushort AcceptEx = 1026;
    public const ushort AcceptExWithAddress = 1027;
    public const ushort Bind = 1029;
    public const ushort BindWithAddress = 1030;
    public const ushort Abort = 1032;
    public const ushort DatagramDropWithAddress = 1033;
    public const ushort Option = 1035;
    public const ushort WaitForListen = 1036;
    public const ushort Listen = 1037;
    public const ushort ConnectIndicationWithAddress = 3001;
    public const ushort SendBackLog = 3007;
}

/// <summary>
/// Microsoft-Windows-Winsock-AFD events of Windows 7 (1–41), which the catalog names only by their message: named
/// here by it. Where two ids share a message, the first has an IPv4 address and the second an IPv6 one (V4, V6).
/// </summary>
internal static class LegacyAfdEventIds
{
    public const ushort Create = 1;
    public const ushort BindV4 = 2;
    public const ushort BindV6 = 3;
    public const ushort ConnectV4 = 4;
    public const ushort ConnectV6 = 5;
    public const ushort ConnectCompleted = 6;
    public const ushort AfdAbort = 7;
    public const ushort TransportAbort = 8;
    public const ushort SendFailed = 9;
    public const ushort SendMessageFailed = 10;
    public const ushort ReceiveFailed = 11;
    public const ushort ReceiveFromFailed = 12;
    public const ushort Close = 13;
    public const ushort Cleanup = 14;
    public const ushort AcceptV4 = 15;
    public const ushort AcceptV6 = 16;
    public const ushort AcceptFailed = 17;
    public const ushort SendPosted = 18;
    public const ushort ReceivePosted = 19;
    public const ushort ReceiveFromPosted = 20;
    public const ushort SendToPostedV4 = 21;
    public const ushort SendToPostedV6 = 22;
    public const ushort ReceiveCompleted = 23;
    public const ushort SendCompleted = 24;
    public const ushort SendMessageCompleted = 25;
    public const ushort ReceiveFromCompletedV4 = 26;
    public const ushort ReceiveFromCompletedV6 = 27;
    public const ushort SendToCompleted = 28;
    public const ushort OptionSet = 29;
    public const ushort EventSelect = 32;
    public const ushort DatagramDroppedV4 = 33;
    public const ushort DatagramDroppedV6 = 34;
    public const ushort ConnectionIndicatedV4 = 35;
    public const ushort ConnectionIndicatedV6 = 36;
    public const ushort BindFailed = 40;
}

/// <summary>Microsoft-Windows-Winsock-Sockets (ws2_32) events, named by the catalog's symbol without its "Sock" prefix: a call's Start, then its Stop with the result.</summary>
internal static class SocketsEventIds
{
    public const ushort CreateStart = 1;
    public const ushort CreateStop = 2;
    public const ushort CloseStart = 3;
    public const ushort CloseStop = 4;
    public const ushort AcceptStart = 5;
    public const ushort AcceptStop = 6;
    public const ushort SetOptStart = 7;
    public const ushort SetOptStop = 8;
    public const ushort ConnectStart = 9;
    public const ushort ConnectStop = 10;
    public const ushort BindStart = 11;
    public const ushort BindStop = 12;
    public const ushort ListenStart = 15;
    public const ushort ListenStop = 16;
}

/// <summary>Microsoft-Windows-Winsock-NameResolution events (the catalog's task WinsockGai: getaddrinfo).</summary>
internal static class NameResolutionEventIds
{
    /// <summary>The query: the name asked for.</summary>
    public const ushort Query = 1000;
    /// <summary>The result: the status and the addresses, separated by ';'.</summary>
    public const ushort Result = 1001;
    /// <summary>The result of an asynchronous lookup (GetAddrInfoEx with a callback).</summary>
    public const ushort AsyncResult = 1004;
}
