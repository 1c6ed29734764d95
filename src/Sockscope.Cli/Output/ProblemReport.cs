using Sockscope.Cli.Commands;
using Sockscope.Etl;

namespace Sockscope.Cli.Output;

/// <summary>
/// Tells, after the output, what damage was found in the file: one warning per problem (the first 20, or all kept
/// with --verbose), what was lost, and the exit code that says so.
/// </summary>
internal static class ProblemReport
{
    /// <summary>Warnings shown without --verbose.</summary>
    public const int Shown = 20;

    /// <summary>Writes the warnings to the console's error and returns <see cref="ExitCodes.Damaged"/> or <see cref="ExitCodes.Ok"/>.</summary>
    public static int Write(CliConsole console, string file, EtlDiagnostics diagnostics, bool verbose)
    {
        if (diagnostics.ProblemCount == 0) return ExitCodes.Ok;
        var error = console.Error;
        int limit = verbose ? int.MaxValue : Shown;
        int shown = 0;
        foreach (var problem in diagnostics.Problems)
        {
            if (shown == limit) break;
            error.WriteLine($"sockscope: warning: {problem}");
            shown++;
        }
        if (diagnostics.ProblemCount > shown)
            error.WriteLine($"sockscope: warning: {file}: … and {diagnostics.ProblemCount - shown} more");
        error.WriteLine($"sockscope: warning: {file}: {diagnostics.ProblemCount} problem(s); " +
            $"{diagnostics.DamagedBuffers} damaged buffer(s), {diagnostics.BytesSkipped} byte(s) skipped");
        return ExitCodes.Damaged;
    }
}
