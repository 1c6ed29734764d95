using System.Text.Encodings.Web;
using System.Text.Json;

namespace Sockscope.Cli.Output;

/// <summary>Writes <see cref="TraceInfo"/> as one indented JSON object with snake_case keys (<c>info --json</c>).</summary>
internal static class TraceInfoJson
{
    /// <summary>Writes the object and a line feed.</summary>
    public static void Write(Stream output, TraceInfo info)
    {
        var options = new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        using (var json = new Utf8JsonWriter(output, options))
        {
            var h = info.Header;
            json.WriteStartObject();
            json.WriteString("file", info.File);
            json.WriteNumber("file_size", info.FileSize);
            json.WriteNumber("records", info.Events);
            json.WriteNumber("buffers", info.Buffers);
            json.WriteNumber("compressed_buffers", info.CompressedBuffers);
            json.WriteNumber("pointer_size", info.PointerSize);
            json.WriteNumber("cpu_count", h.NumberOfProcessors);
            json.WriteString("os_version", info.OsVersion);
            json.WriteNumber("os_build", h.ProviderVersion);
            json.WriteString("clock", info.Clock);
            json.WriteNumber("perf_freq", h.PerfFreq);
            json.WriteNumber("cpu_speed_mhz", h.CpuSpeedInMHz);
            json.WriteString("start_time", TraceInfo.Iso(info.StartTime));
            Time(json, "end_time", info.EndTime);
            Time(json, "first_event", info.FirstEvent);
            Time(json, "last_event", info.LastEvent);
            json.WriteNumber("events_lost", h.EventsLost);
            json.WriteNumber("buffers_lost", h.BuffersLost);
            json.WriteNumber("buffers_with_lost_events", info.BuffersWithLostEvents);
            json.WriteNumber("buffers_flagged_lost", info.BuffersFlaggedLost);
            json.WriteBoolean("compressed", h.IsCompressed);
            json.WriteString("logger_name", h.LoggerName);
            json.WriteString("log_file_name", h.LogFileName);
            json.WriteNumber("buffer_size", h.BufferSize);
            json.WriteNumber("buffers_written", h.BuffersWritten);
            json.WriteString("log_file_mode", $"0x{h.LogFileMode:X8}");
            json.WriteNumber("timer_resolution", h.TimerResolution);
            Time(json, "boot_time", info.BootTime);
            json.WriteString("time_zone", h.TimeZoneName);
            json.WriteNumber("time_zone_bias_minutes", h.TimeZoneBias);
            json.WriteStartObject("header_types");
            foreach (var (layout, count) in info.HeaderTypes) json.WriteNumber(layout, count);
            json.WriteEndObject();
            json.WriteStartArray("providers");
            foreach (var p in info.Providers)
            {
                json.WriteStartObject();
                json.WriteString("guid", p.Provider.ToString("B").ToUpperInvariant());
                if (p.Name is null) json.WriteNull("name");
                else json.WriteString("name", p.Name);
                json.WriteNumber("records", p.Events);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartArray("problems");
            foreach (var problem in info.Problems)
            {
                json.WriteStartObject();
                json.WriteNumber("offset", problem.Offset);
                json.WriteString("kind", problem.Kind.ToString());
                json.WriteString("message", problem.Message);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteNumber("problem_count", info.ProblemCount);
            json.WriteNumber("damaged_buffers", info.DamagedBuffers);
            json.WriteNumber("bytes_skipped", info.BytesSkipped);
            json.WriteEndObject();
        }
        output.Write("\n"u8);
        output.Flush();
    }

    private static void Time(Utf8JsonWriter json, string name, DateTime? utc)
    {
        if (utc is { } t) json.WriteString(name, TraceInfo.Iso(t));
        else json.WriteNull(name);
    }
}
