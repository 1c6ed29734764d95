using System.Net;

namespace Sockscope.Analysis;

/// <summary>Something that went wrong (or changed) on a socket.</summary>
/// <param name="Kind">What it is about (outputs write its <see cref="FindingKindText.ToText"/> form).</param>
/// <param name="Time">When (UTC).</param>
/// <param name="ProcessId">The process.</param>
/// <param name="Endpoint">The AFD endpoint, or 0.</param>
/// <param name="Remote">The remote endpoint, when known.</param>
/// <param name="Detail">A sentence for a person.</param>
/// <param name="Severity">How bad.</param>
public sealed record Finding(FindingKind Kind, DateTime Time, uint ProcessId, ulong Endpoint, IPEndPoint? Remote, string Detail, FindingSeverity Severity)
{
    /// <summary>The host name resolved to <see cref="Remote"/> (or the name a failed lookup asked for), when known.</summary>
    public string? RemoteName { get; init; }
}
