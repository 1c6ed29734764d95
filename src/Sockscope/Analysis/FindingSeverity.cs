namespace Sockscope.Analysis;

/// <summary>How bad a finding is: <see cref="Info"/> findings are notices, the others failures.</summary>
public enum FindingSeverity
{
    /// <summary>Worth knowing: a notice, not a failure (an option set).</summary>
    Info,
    /// <summary>Something went wrong but may be expected (a refused connect, a dropped datagram).</summary>
    Warning,
    /// <summary>A failure that breaks what the application did (an abort, a failed bind).</summary>
    Error,
}
