using System.Net;
using Sockscope.Analysis;
using NameResolutionId = Sockscope.Events.NameResolutionEventIds;

namespace Sockscope.Synthesis;

/// <summary>Name lookups (getaddrinfo) as Winsock-NameResolution logs them, and the names they give later sockets.</summary>
internal sealed partial class TraceSim
{
    /// <summary>getaddrinfo: Winsock-NameResolution 1000 (the query) and 1001 (the result, addresses separated by ';').</summary>
    public void Resolve(SimProcess p, uint thread, string name, IReadOnlyList<IPAddress> addresses, string? result = null, uint status = 0)
    {
        if (!HasNameResolution) return;
        Wait(50, 2_000);
        _d.Clear().Set(SimField.NodeName, name).Set(SimField.ServiceName, "").Set(SimField.Location, 0).Set(SimField.Flags, 0).Set(SimField.Family, 0).Set(SimField.SocketType, 1).Set(SimField.Protocol, 6);
        WriteEvent(NamesTemplate(NameResolutionId.Query, p), p.Pid, thread);
        Wait(2_000, 40_000);
        result ??= string.Concat(addresses.Select(a => a + ";"));
        _d.Clear().Set(SimField.NodeName, name).Set(SimField.Status, status).Set(SimField.Result, result);
        long stamp = WriteEvent(NamesTemplate(NameResolutionId.Result, p), p.Pid, thread);
        if (Detailed) Truth.Lookups.Add(new NameLookup(Utc(stamp), p.Pid, name, addresses.ToArray(), status));
        if (status == 0)
        {
            foreach (var a in addresses) _resolved[(p.Pid, a)] = name;
            return;
        }
        Truth.FindingCounts[FindingKind.NameResolutionFailed] = Truth.FindingCounts.GetValueOrDefault(FindingKind.NameResolutionFailed) + 1;
        if (Detailed)
            Truth.Findings.Add(new Finding(FindingKind.NameResolutionFailed, Utc(stamp), p.Pid, 0, null,
                $"lookup of {name} failed: {(Decoding.Values.Win32ErrorNames.TryGetName(status, out var n) ? n : status.ToString())}", FindingSeverity.Warning) { RemoteName = name });
    }
}
