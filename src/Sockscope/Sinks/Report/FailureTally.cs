using System.Net;
using Sockscope.Analysis;

namespace Sockscope.Sinks.Report;

/// <summary>
/// Failures and notices per process and per remote endpoint, with their kinds and the first failure: what the report's
/// first screen answers with. Counted here from each finding's severity (Info is a notice, Warning and Error are
/// failures) until the analysis's totals split them; then <see cref="Add"/> is the one place to replace.
/// </summary>
internal sealed class FailureTally
{
    /// <summary>One process's or one remote's count.</summary>
    internal sealed class Entry
    {
        public long Failures;
        public long Notices;
        public DateTime FirstFailure = DateTime.MaxValue;
        public string? Name;
        // A handful of kinds at most (the analysis has ten): no bound needed beyond the kinds themselves.
        public readonly Dictionary<string, long> Kinds = new(StringComparer.Ordinal);
    }

    private readonly int _max;
    private readonly Dictionary<uint, Entry> _byProcess = new();
    private readonly Dictionary<(IPEndPoint? Remote, string? Name), Entry> _byRemote = new();

    /// <param name="max">Processes, and remote endpoints, counted on their own at most (as the analysis's totals).</param>
    public FailureTally(int max) => _max = max;

    /// <summary>The earliest failure seen, or null when none.</summary>
    public Finding? FirstFailure { get; private set; }

    /// <summary>Failures seen.</summary>
    public long Failures { get; private set; }

    /// <summary>Notices seen.</summary>
    public long Notices { get; private set; }

    /// <summary>Failures by kind.</summary>
    public Dictionary<string, long> FailureKinds { get; } = new(StringComparer.Ordinal);

    /// <summary>Notices by kind.</summary>
    public Dictionary<string, long> NoticeKinds { get; } = new(StringComparer.Ordinal);

    /// <summary>Processes with a failure (up to the cap).</summary>
    public int FailingProcesses => _byProcess.Values.Count(e => e.Failures > 0);

    /// <summary>Remote endpoints (and names looked up in vain) with a failure (up to the cap).</summary>
    public int FailingRemotes => _byRemote.Count;

    /// <summary>Counts one finding.</summary>
    public void Add(Finding f)
    {
        bool failure = f.Severity != FindingSeverity.Info;
        var kinds = failure ? FailureKinds : NoticeKinds;
        string kind = f.Kind.ToText();
        kinds[kind] = kinds.GetValueOrDefault(kind) + 1;
        if (!failure)
        {
            Notices++;
            if (Get(_byProcess, f.ProcessId) is { } quiet) quiet.Notices++;
            return;
        }
        Failures++;
        if (FirstFailure is null || f.Time < FirstFailure.Time) FirstFailure = f;
        if (Get(_byProcess, f.ProcessId) is { } p) Count(p, f);
        // A failed lookup has a name and no address: it is listed under the name.
        if ((f.Remote is not null || f.RemoteName is not null) && Get(_byRemote, (f.Remote, f.Remote is null ? f.RemoteName : null)) is { } r)
        {
            Count(r, f);
            r.Name ??= f.RemoteName;
        }
    }

    /// <summary>The process's failures and notices (zeros when it had none, or was past the cap).</summary>
    public (long Failures, long Notices) Of(uint processId) =>
        _byProcess.TryGetValue(processId, out var e) ? (e.Failures, e.Notices) : (0, 0);

    /// <summary>The processes with the most failures (then the earliest), at most <paramref name="count"/>.</summary>
    public IEnumerable<(uint ProcessId, Entry Entry)> TopProcesses(int count) =>
        _byProcess.Where(p => p.Value.Failures > 0).OrderByDescending(p => p.Value.Failures).ThenBy(p => p.Value.FirstFailure)
            .ThenBy(p => p.Key).Take(count).Select(p => (p.Key, p.Value));

    /// <summary>The remote endpoints (or names looked up in vain) with the most failures, at most <paramref name="count"/>.</summary>
    public IEnumerable<(IPEndPoint? Remote, Entry Entry)> TopRemotes(int count) =>
        _byRemote.OrderByDescending(r => r.Value.Failures).ThenBy(r => r.Value.FirstFailure)
            .ThenBy(r => r.Key.Remote?.ToString() ?? r.Key.Name, StringComparer.Ordinal).Take(count).Select(r => (r.Key.Remote, r.Value));

    private static void Count(Entry e, Finding f)
    {
        e.Failures++;
        if (f.Time < e.FirstFailure) e.FirstFailure = f.Time;
        string kind = f.Kind.ToText();
        e.Kinds[kind] = e.Kinds.GetValueOrDefault(kind) + 1;
    }

    private Entry? Get<TKey>(Dictionary<TKey, Entry> map, TKey key) where TKey : notnull
    {
        if (map.TryGetValue(key, out var e)) return e;
        if (map.Count >= _max) return null;
        return map[key] = new Entry();
    }
}
