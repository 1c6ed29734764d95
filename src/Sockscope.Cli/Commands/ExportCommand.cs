using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Sockscope.Analysis;
using Sockscope.Cli.Output;
using Sockscope.Etl;
using Sockscope.Sinks.Database;
using Sockscope.Sinks.Parquet;
using Sockscope.Sources;

namespace Sockscope.Cli.Commands;

/// <summary>
/// <c>sockscope export FILE --sqlite OUT.db</c>: the trace's Winsock events, rebuilt sockets, findings and per-process
/// totals into a SQLite database that may already hold other traces; <c>--parquet DIR</c>: the same tables as Parquet
/// files in a new directory.
/// </summary>
internal static class ExportCommand
{
    /// <summary>The command, its options and its action.</summary>
    public static Command Create(CliConsole console, Option<bool> verbose)
    {
        var file = new Argument<string>("file") { Description = "The .etl file, or JSON lines of events (see --input-format); - reads the standard input" };
        var inputFormat = InputOptions.Create();
        var sqlite = new Option<string>("--sqlite") { Description = "The SQLite database to add the trace to (created if missing)", HelpName = "OUT.db" };
        var parquet = new Option<string>("--parquet") { Description = "A new or empty directory to write the tables to, one Parquet file each", HelpName = "DIR" };
        var eventJson = new Option<bool>("--event-json") { Description = "Also store each event as sockscope dump prints it (events.json): about eight times the database and the time" };
        var command = new Command("export", "Put the trace's events, sockets, findings and process totals into a SQLite database (a trace already there is not added again) or Parquet files");
        command.Arguments.Add(file);
        command.Options.Add(sqlite);
        command.Options.Add(parquet);
        command.Options.Add(eventJson);
        command.Options.Add(inputFormat);
        command.Validators.Add(result =>
        {
            if ((result.GetResult(sqlite) is null) == (result.GetResult(parquet) is null))
                result.AddError("export needs one of --sqlite OUT.db and --parquet DIR");
        });
        command.SetAction(parse => parse.GetValue(parquet) is { } directory
            ? ExecuteParquet(console, parse.GetValue(file)!, directory, parse.GetValue(verbose), InputOptions.Parse(parse.GetValue(inputFormat)), eventJson: parse.GetValue(eventJson))
            : Execute(console, parse.GetValue(file)!, parse.GetValue(sqlite)!, parse.GetValue(verbose), InputOptions.Parse(parse.GetValue(inputFormat)),
                eventJson: parse.GetValue(eventJson)));
        return command;
    }

    /// <summary>Runs the command; returns the exit code. <paramref name="limits"/> bound what the analysis keeps (tests make them small).</summary>
    public static int Execute(CliConsole console, string path, string databasePath, bool verbose, InputFormat input = InputFormat.Auto, AnalysisLimits? limits = null,
        bool eventJson = false)
    {
        var clock = Stopwatch.StartNew();
        // An input read once (a pipe, standard input) is hashed as it is read; a file is hashed first, so a trace the
        // database holds already is not read at all.
        HashingStream? hashing = null;
        var reader = CommandErrors.TryOpenSource(console, path, input, verbose, out int openFailed,
            readOnce: stream => hashing = new HashingStream(stream, path));
        if (reader is null) return openFailed;
        using (reader)
        {
            if (CommandErrors.IsSameFile(path, databasePath))
                return CommandErrors.Report(console, databasePath, new IOException("is the input file; it will not be overwritten"), verbose);
            TraceIdentity? identity = null;
            if (hashing is null)
            {
                try
                {
                    identity = TraceIdentity.OfFile(path);
                }
                catch (Exception e) when (CommandErrors.IsFileProblem(e))
                {
                    return CommandErrors.Report(console, path, e, verbose);
                }
            }

            DatabaseExportResult result;
            var hashed = hashing;
            // The database is the output: the standard output stays free for the display.
            var progress = ProgressDisplay.Watch(console, reader, toFile: true);
            try
            {
                result = hashed is null
                    ? DatabaseExporter.Export(databasePath, reader, identity!, null, eventJson, limits: limits)
                    : DatabaseExporter.Export(databasePath, reader, null, () => identity = hashed.Complete(), eventJson, limits: limits);
            }
            catch (Exception e) when (e is SqliteException or InvalidDataException)
            {
                progress.Dispose();
                return ReportDatabase(console, databasePath, e, verbose);
            }
            catch (Exception e) when (CommandErrors.IsFileProblem(e))
            {
                progress.Dispose();
                return CommandErrors.Report(console, path, e, verbose);
            }
            finally
            {
                // Before anything is written to the error.
                progress.Dispose();
            }

            if (result.AlreadyPresent)
            {
                console.Error.WriteLine($"sockscope: {path}: already in {databasePath} as trace {result.TraceId} (same SHA-256 {identity!.Sha256[..16]}…); nothing added");
                return ExitCodes.Ok;
            }
            return Exported(console, path, $"{databasePath} as trace {result.TraceId}", "the findings table", result, clock, reader, verbose);
        }
    }

    /// <summary>
    /// Runs <c>export --parquet</c>; returns the exit code. The files appear only once all are written: a failure
    /// leaves none of them (and no file of its own) in <paramref name="directory"/>.
    /// </summary>
    public static int ExecuteParquet(CliConsole console, string path, string directory, bool verbose, InputFormat input = InputFormat.Auto,
        AnalysisLimits? limits = null, bool eventJson = false)
    {
        var clock = Stopwatch.StartNew();
        HashingStream? hashing = null;
        var reader = CommandErrors.TryOpenSource(console, path, input, verbose, out int openFailed,
            readOnce: stream => hashing = new HashingStream(stream, path));
        if (reader is null) return openFailed;
        using (reader)
        {
            DatabaseExportResult result;
            var hashed = hashing;
            var progress = ProgressDisplay.Watch(console, reader, toFile: true);
            try
            {
                // A file is hashed after it is read (it is in the page cache then); a stream as it is read.
                result = ParquetExporter.Export(directory, reader, () => hashed?.Complete() ?? TraceIdentity.OfFile(path), eventJson, limits: limits);
            }
            catch (ParquetWriteException e)
            {
                progress.Dispose();
                console.Error.WriteLine($"sockscope: error: {directory}: {e.Message}");
                if (verbose) console.Error.WriteLine(e.ToString());
                return ExitCodes.Error;
            }
            catch (Exception e) when (CommandErrors.IsFileProblem(e))
            {
                progress.Dispose();
                return CommandErrors.Report(console, path, e, verbose);
            }
            finally
            {
                progress.Dispose();
            }
            return Exported(console, path, directory, "findings.parquet", result, clock, reader, verbose);
        }
    }

    /// <summary>The closing line of an export (to the SQLite database or the Parquet folder), then what the reader met.</summary>
    private static int Exported(CliConsole console, string path, string destination, string findingsTable, DatabaseExportResult result,
        Stopwatch clock, IEventSource reader, bool verbose)
    {
        string findings = result.FindingsTruncated
            ? string.Create(CultureInfo.InvariantCulture, $"{result.FindingCount:N0} findings (the first {result.Findings:N0} in {findingsTable})")
            : string.Create(CultureInfo.InvariantCulture, $"{result.FindingCount:N0} findings");
        console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"sockscope: exported {path} to {destination}: {result.Events:N0} events, {result.Sockets:N0} sockets, " +
            $"{findings}, {result.Processes:N0} processes in {clock.Elapsed.TotalSeconds:F1} s"));
        InputOptions.ReportSkipped(console, reader);
        if (result.Events == 0) NoWinsockNote.Write(console, path, reader, result.Records);
        return ProblemReport.Write(console, path, reader.Diagnostics, verbose);
    }

    /// <summary>One line naming the database and what SQLite said, without SQLite's "SQLite Error 14: '…'." wrapping.</summary>
    private static int ReportDatabase(CliConsole console, string databasePath, Exception e, bool verbose)
    {
        string what = e.Message;
        if (Directory.Exists(databasePath)) what = "is a directory";
        else if (e is SqliteException { SqliteErrorCode: var code })
        {
            string prefix = $"SQLite Error {code}: '";
            if (what.StartsWith(prefix, StringComparison.Ordinal) && what.EndsWith("'.", StringComparison.Ordinal)) what = what[prefix.Length..^2];
        }
        console.Error.WriteLine($"sockscope: error: {databasePath}: {what}");
        if (verbose) console.Error.WriteLine(e.ToString());
        return ExitCodes.Error;
    }
}
