namespace Sockscope.Events;

/// <summary>
/// The EnterExit field of 1000-series AFD events: what the event marks (../shared/winsock-notes/afd-1000-3007-layouts.md,
/// after Microsoft's WPA add-in).
/// </summary>
internal static class AfdEnterExit
{
    /// <summary>A request starts.</summary>
    public const int Entry = 0;
    /// <summary>A request completed.</summary>
    public const int Exit = 1;
    /// <summary>An action of AFD's own (an abort).</summary>
    public const int AfdAction = 2;
    /// <summary>Caused by the transport (TCP/IP): an indication, a dropped datagram.</summary>
    public const int TransportCaused = 3;
    /// <summary>Caused by AFD on a request (an option set).</summary>
    public const int AfdCaused = 4;
}
