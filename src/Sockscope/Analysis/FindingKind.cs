namespace Sockscope.Analysis;

/// <summary>What a <see cref="Finding"/> is about. Outputs write it as <see cref="FindingKindText.ToText"/> gives it.</summary>
public enum FindingKind
{
    /// <summary>A connect failed (refused, timed out, unreachable).</summary>
    ConnectFailed,
    /// <summary>A bind failed (the address in use, not available).</summary>
    BindFailed,
    /// <summary>An accept failed.</summary>
    AcceptFailed,
    /// <summary>A connection was aborted, by AFD or the transport.</summary>
    Abort,
    /// <summary>A send failed.</summary>
    SendFailed,
    /// <summary>A receive failed.</summary>
    ReceiveFailed,
    /// <summary>AFD dropped a datagram.</summary>
    DatagramDropped,
    /// <summary>A buffer was posted again while an earlier operation on it was still in flight.</summary>
    BufferReuse,
    /// <summary>A socket option was set (a notice).</summary>
    OptionChanged,
    /// <summary>The session lost events or buffers: sockets may be incomplete.</summary>
    EventsLost,
    /// <summary>A name lookup (Winsock-NameResolution) failed.</summary>
    NameResolutionFailed,
}

/// <summary>The text form of a <see cref="FindingKind"/>, the one every output writes (JSON, CSV, tables, report, database).</summary>
public static class FindingKindText
{
    /// <summary>The kind as outputs write it: <c>connect_failed</c>, <c>name_resolution_failed</c>, …</summary>
    public static string ToText(this FindingKind kind) => kind switch
    {
        FindingKind.ConnectFailed => "connect_failed",
        FindingKind.BindFailed => "bind_failed",
        FindingKind.AcceptFailed => "accept_failed",
        FindingKind.Abort => "abort",
        FindingKind.SendFailed => "send_failed",
        FindingKind.ReceiveFailed => "receive_failed",
        FindingKind.DatagramDropped => "datagram_dropped",
        FindingKind.BufferReuse => "buffer_reuse",
        FindingKind.OptionChanged => "option_changed",
        FindingKind.EventsLost => "events_lost",
        FindingKind.NameResolutionFailed => "name_resolution_failed",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a finding kind"),
    };
}
