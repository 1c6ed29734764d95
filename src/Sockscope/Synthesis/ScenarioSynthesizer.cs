namespace Sockscope.Synthesis;

/// <summary>
/// Writes realistic Windows Winsock traces, scenario by scenario, with their ground truth: what an analysis of the
/// file should find, socket by socket (see <see cref="ScenarioTruth"/> for the counting rules).
/// </summary>
/// <remarks>
/// <para>The events follow what is known of real traces (the project's winsock-notes): AFD events carry the owner's
/// EPROCESS in Process and a kernel Endpoint pointer; EnterExit is 0 on entry, 1 on exit, 2 for an abort, 3 for what
/// the transport caused, 4 for an option; Location codes come from the lists NetBlame found reliable (create
/// 1002/1012, bind 7010/7022, connect 5023/5031, send 3003/3014, receive 4106/4109, datagram 3100/3200/4201, close
/// 2000/2001, abort 8000) or from afd.sys itself (cleanup 2002, listen 13006/13013, bind failure 7023, the buffered
/// send completion 3024, transport completions 4114, 6101, 8016 under the System process); the connect exits (5024,
/// 5036), 6100/6102 for the accepts, 6500 for the connection indication, 4310 for a datagram drop, 9001 for an option
/// and 3300 for the send backlog notice are placeholders in the right thousand. Addresses are SOCKADDRs (family
/// little-endian, port big-endian); the remote address is on the connect entry, the bound address on the bind exit,
/// received bytes on the receive exit (the entry offers a buffer size such as 17,408).</para>
/// <para>Builds 7600 and 7601 write the Windows 7 events 1–41 only, with no Sockets or NameResolution events and
/// Process_V3 kernel events; later builds write the 1000-series and Process_V4, NameResolution from 10240 and
/// Winsock-Sockets from 22000. On 64-bit Windows the kernel's AFD events are 64-bit even for a WOW64 process; its
/// Winsock-Sockets and NameResolution events are EVENT_HEADER32 records with 4-byte pointers.</para>
/// </remarks>
internal static class ScenarioSynthesizer
{
    private static readonly string[] All = ["browser", "dns-client", "server", "wow64", "failures", "preexisting", "legacy", "mixed", "busy-host"];

    /// <summary>The scenarios: browser, dns-client, server, wow64, failures, preexisting, legacy, mixed, busy-host.</summary>
    public static IReadOnlyList<string> Names => All;

    /// <summary>Writes a scenario's trace to <paramref name="path"/> and returns its ground truth.</summary>
    /// <exception cref="ArgumentException">An unknown scenario, pointer size, build or processor count.</exception>
    public static ScenarioTruth Write(string path, ScenarioOptions options) => Write(path, options, null);

    /// <summary>As <see cref="Write(string, ScenarioOptions)"/>; busy-host calls <paramref name="progress"/> with the events written, every 65,536.</summary>
    internal static ScenarioTruth Write(string path, ScenarioOptions options, Action<long>? progress)
    {
        if (Problem(options) is { } problem) throw new ArgumentException(problem, nameof(options));
        using var file = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read, 1 << 20);
        return Write(file, options, progress);
    }

    /// <summary>
    /// What is wrong with <paramref name="options"/> (an unknown scenario, pointer size, build or processor count), or
    /// null when they can be written.
    /// </summary>
    public static string? Problem(ScenarioOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string scenario = (options.Scenario ?? "").Trim().ToLowerInvariant();
        if (!All.Contains(scenario)) return $"unknown scenario \"{options.Scenario}\"; the scenarios are {string.Join(", ", All)}";
        if (options.PointerSize is not (4 or 8)) return "the pointer size must be 4 or 8";
        if (options.Build is < 7600 or (> 7601 and < 9200)) return $"build {options.Build} is not supported: 7600, 7601 (Windows 7), 9200 and later";
        if (options.Processors is < 1 or > 64) return "processors must be 1 … 64";
        if (scenario == "busy-host" && options.Events < 1000) return "busy-host writes at least 1,000 events";
        return null;
    }

    /// <summary>
    /// Writes a scenario's trace to <paramref name="output"/> (writable and seekable; left open) and returns its ground
    /// truth; busy-host calls <paramref name="progress"/> with the events written, every 65,536.
    /// </summary>
    /// <exception cref="ArgumentException">An unknown scenario, pointer size, build or processor count.</exception>
    public static ScenarioTruth Write(Stream output, ScenarioOptions options, Action<long>? progress = null)
    {
        if (Problem(options) is { } problem) throw new ArgumentException(problem, nameof(options));
        string scenario = (options.Scenario ?? "").Trim().ToLowerInvariant();
        int build = scenario == "legacy" ? 7601 : options.Build;
        var parts = scenario switch
        {
            "browser" => new Part[] { new BrowserPart() },
            "dns-client" => [new DnsClientPart()],
            "server" => [new ServerPart()],
            "wow64" => [new Wow64Part()],
            "failures" => [new FailuresPart()],
            "preexisting" => [new PreexistingPart()],
            "legacy" => [new LegacyPart()],
            "mixed" => [new BrowserPart(), new DnsClientPart(), new ServerPart(), new Wow64Part(), new FailuresPart(), new PreexistingPart(), new LegacyPart()],
            _ => [],
        };
        uint eventsLost = scenario is "failures" or "mixed" ? 5u : 0u;
        var normalized = Copy(options, scenario);
        using var sim = new TraceSim(output, normalized, build, detailed: scenario != "busy-host", eventsLost);
        if (scenario == "busy-host")
        {
            var host = new BusyHost(sim);
            host.Declare();
            host.Run(options.Events, progress);
            return sim.Finish();
        }
        foreach (var part in parts) part.Declare(sim);
        sim.Rundown();
        foreach (var part in parts)
        {
            sim.Legacy = sim.LegacyBuild || part.Windows7;
            part.Run(sim);
            sim.Wait(5_000, 50_000);
        }
        sim.Legacy = sim.LegacyBuild;
        return sim.Finish();
    }

    private static ScenarioOptions Copy(ScenarioOptions o, string scenario) => new()
    {
        Scenario = scenario,
        Events = o.Events,
        PointerSize = o.PointerSize,
        Compress = o.Compress,
        Build = o.Build,
        Seed = o.Seed,
        Start = o.Start.Kind == DateTimeKind.Local ? o.Start.ToUniversalTime() : DateTime.SpecifyKind(o.Start, DateTimeKind.Utc),
        Processors = o.Processors,
        BufferSize = o.BufferSize,
    };
}
