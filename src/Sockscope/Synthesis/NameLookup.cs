using System.Net;

namespace Sockscope.Synthesis;

/// <summary>A name lookup (Winsock-NameResolution 1000 then 1001).</summary>
/// <param name="Time">The result event's time (UTC).</param>
/// <param name="ProcessId">The process that asked.</param>
/// <param name="Name">The node name.</param>
/// <param name="Addresses">The addresses returned, in order.</param>
/// <param name="Status">The status of the 1001 event (0 = found).</param>
internal sealed record NameLookup(DateTime Time, uint ProcessId, string Name, IReadOnlyList<IPAddress> Addresses, uint Status);
