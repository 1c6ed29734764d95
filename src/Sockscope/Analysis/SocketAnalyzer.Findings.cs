using System.Net;
using Sockscope.Decoding.Values;

namespace Sockscope.Analysis;

/// <summary>The findings: failures told once when two providers report them, kept up to the cap with failures before notices.</summary>
internal sealed partial class SocketAnalyzer
{
    private List<Finding> KeptInOrder()
    {
        var all = new List<Finding>(_kept.Count - _keptRemoved);
        foreach (var f in _kept)
            if (f is not null) all.Add(f);
        return all;
    }

    /// <summary>Records lost events (the session's count and the buffers flagged) as a finding.</summary>
    public void ObserveLostEvents(long eventsLost, long buffersLost, long buffersWithLostEvents, DateTime when)
    {
        if (eventsLost == 0 && buffersLost == 0 && buffersWithLostEvents == 0) return;
        AddFinding(new Finding(FindingKind.EventsLost, when, 0, 0, null,
            $"the session lost {eventsLost} events and {buffersLost} buffers; {buffersWithLostEvents} buffers are flagged with lost events: sockets may be incomplete",
            FindingSeverity.Warning));
    }

    private void FailSocket(SocketState s, FindingKind kind, DateTime time, uint code, FindingSeverity severity, bool win32 = false)
    {
        string name = win32 ? Win32ErrorText(code) : NtStatusText(code);
        s.Record.Error ??= name;
        AddUnlessRepeated(kind, time, s.Record.ProcessId, s.Record.Endpoint, s.Record.Remote, $"{kind.ToText().Replace('_', ' ')}: {name}", severity);
    }

    /// <summary>Adds a failure finding unless the other provider reported the same failure a moment ago.</summary>
    private void AddUnlessRepeated(FindingKind kind, DateTime time, uint pid, ulong endpoint, IPEndPoint? remote, string detail, FindingSeverity severity)
    {
        string where = remote?.ToString() ?? "";
        var key = (kind, pid, where);
        if (_recentFailures.TryGetValue(key, out var last) && (time - last).Duration() < TimeSpan.FromSeconds(1)) return;
        if (_recentFailures.Count > 65_536) _recentFailures.Clear();
        _recentFailures[key] = time;
        AddFinding(new Finding(kind, time, pid, endpoint, remote, detail, severity));
    }

    private void AddFinding(Finding finding)
    {
        if (finding.Remote is { } remote && finding.RemoteName is null && _names.NameOf(finding.ProcessId, remote.Address) is { } name)
            finding = finding with { RemoteName = name };
        FindingCount++;
        bool full = _kept.Count - _keptRemoved >= _maxFindingsKept;
        if (finding.Severity == FindingSeverity.Info)
        {
            if (!full)
            {
                _kept.Add(finding);
                _keptNotices++;
            }
        }
        else if (!full) _kept.Add(finding);
        else if (_keptNotices > 0)
        {
            int i = Math.Min(_noticeSearchEnd, _kept.Count) - 1;
            while (_kept[i] is not { Severity: FindingSeverity.Info }) i--;
            _kept[i] = null;
            _noticeSearchEnd = i;
            _keptNotices--;
            _keptRemoved++;
            _kept.Add(finding);
        }
        _findings = null;
        FindingFound?.Invoke(finding);
    }

    private static string NtStatusText(uint code) => NtStatusNames.TryGetName(code, out var name) ? name : $"0x{code:X8}";

    private static string Win32ErrorText(uint code) => Win32ErrorNames.TryGetName(code, out var name) ? name : $"0x{code:X8}";
}
