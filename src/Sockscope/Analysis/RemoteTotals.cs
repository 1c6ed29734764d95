using System.Net;

namespace Sockscope.Analysis;

/// <summary>Totals for one remote endpoint.</summary>
public sealed class RemoteTotals
{
    /// <summary>The remote endpoint.</summary>
    public required IPEndPoint Remote { get; init; }
    /// <summary>The host name resolved to this endpoint's address, when a process looked it up in the trace.</summary>
    public string? Name { get; set; }
    /// <summary>Sockets connected to it or exchanging datagrams with it.</summary>
    public long Sockets { get; set; }
    /// <summary>Bytes sent to it (a datagram socket's: those of the datagrams addressed to it).</summary>
    public long BytesSent { get; set; }
    /// <summary>Bytes received from it.</summary>
    public long BytesReceived { get; set; }
    /// <summary>Failures involving it.</summary>
    public long Failures { get; set; }
}
