namespace Sockscope.Analysis;

/// <summary>The Winsock-NameResolution results: the host names that name later sockets, and the lookups that failed.</summary>
internal sealed partial class SocketAnalyzer
{
    /// <summary>
    /// A name lookup's result: its addresses name the process's later sockets to them; a failed one is a finding.
    /// A lookup that logs both results (1001 and the asynchronous 1004) fails once.
    /// </summary>
    private void ObserveLookup(in SocketEvent e)
    {
        string name = e.Text ?? "";
        uint pid = e.HeaderProcessId;
        if (e.Status == 0)
        {
            NameLookups++;
            _names.Add(pid, name, e.Result);
            return;
        }
        var time = UtcOf(e.Stamp);
        var key = (FindingKind.NameResolutionFailed, pid, name);
        if (_recentFailures.TryGetValue(key, out var last) && (time - last).Duration() < TimeSpan.FromSeconds(1)) return;
        if (_recentFailures.Count > 65_536) _recentFailures.Clear();
        _recentFailures[key] = time;
        AddFinding(new Finding(FindingKind.NameResolutionFailed, time, pid, 0, null, $"lookup of {name} failed: {Win32ErrorText(e.Status)}", FindingSeverity.Warning) { RemoteName = name });
    }
}
