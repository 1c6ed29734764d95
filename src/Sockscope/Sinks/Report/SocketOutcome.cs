using Sockscope.Analysis;

namespace Sockscope.Sinks.Report;

/// <summary>How a socket's life ended, as the report colours it.</summary>
internal enum SocketOutcome
{
    /// <summary>Closed with no error, abort or drop.</summary>
    Clean,
    /// <summary>No error, and still open when the trace ended.</summary>
    Open,
    /// <summary>Datagrams were dropped, with no error.</summary>
    Dropped,
    /// <summary>An operation failed after data had moved (a send or receive failure, for example).</summary>
    Error,
    /// <summary>An operation failed and not a byte moved: the socket never worked (a refused connect, a failed bind).</summary>
    Failed,
    /// <summary>The connection was aborted.</summary>
    Aborted,
}

/// <summary>Tells a socket's <see cref="SocketOutcome"/>.</summary>
internal static class SocketOutcomes
{
    /// <summary>The outcome of <paramref name="s"/>: an abort outranks an error, an error a drop.</summary>
    public static SocketOutcome Of(SocketRecord s)
    {
        if (s.Aborted) return SocketOutcome.Aborted;
        if (s.Error is not null) return s.BytesSent + s.BytesReceived == 0 && !s.Listening ? SocketOutcome.Failed : SocketOutcome.Error;
        if (s.DatagramsDropped > 0) return SocketOutcome.Dropped;
        return s.Closed is null ? SocketOutcome.Open : SocketOutcome.Clean;
    }

    /// <summary>True for the outcomes that show something went wrong.</summary>
    public static bool IsProblem(SocketOutcome o) => o is SocketOutcome.Aborted or SocketOutcome.Failed or SocketOutcome.Error or SocketOutcome.Dropped;

    /// <summary>The outcome's name in the report: "clean", "open", "dropped", "error", "failed", "aborted".</summary>
    public static string Name(SocketOutcome o) => o switch
    {
        SocketOutcome.Clean => "clean",
        SocketOutcome.Open => "open",
        SocketOutcome.Dropped => "dropped",
        SocketOutcome.Error => "error",
        SocketOutcome.Failed => "failed",
        _ => "aborted",
    };
}
