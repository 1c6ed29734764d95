using System.Buffers;
using System.Net;
using System.Text;
using Sockscope.Analysis;
using Sockscope.Sinks;

namespace Sockscope.Tests.Sinks;

/// <summary>The sockets table: fitted to a terminal's width, whole in a pipe, in opening order, in the zone asked for.</summary>
public class SocketTableTests
{
    private static readonly DateTime Start = new(2026, 6, 2, 4, 0, 0, DateTimeKind.Utc);
    private const string LongIpv6 = "[2001:db8:1234:5678:9abc:def0:1234:5678]:443";
    private const string LongNote = "aborted: Transport indicated abortive disconnect; connect failed: STATUS_CONNECTION_REFUSED";

    /// <summary>Three sockets, handed on in closing order, which is not their opening order.</summary>
    private static SocketRecord[] Sockets() =>
    [
        new()
        {
            Endpoint = 0xFFFF9A0C12345200, ProcessId = 7420, ProcessName = "chrome.exe", Protocol = 6, Family = 2,
            Local = IPEndPoint.Parse("10.0.0.5:50433"), Remote = IPEndPoint.Parse("203.0.113.10:443"), RemoteName = "www.example.com",
            Opened = Start.AddTicks(1_512_699), Closed = Start.AddTicks(2_245_704), BytesSent = 1541, BytesReceived = 23230,
        },
        new()
        {
            Endpoint = 0xFFFF9A0C12345000, ProcessId = 4400, ProcessName = "a-process-with-a-rather-long-name.exe", Protocol = 6, Family = 23,
            Local = IPEndPoint.Parse("[2001:db8:1234:5678:9abc:def0:1234:1]:50432"), Remote = IPEndPoint.Parse(LongIpv6),
            Opened = Start.AddTicks(382_098), Closed = Start.AddTicks(3_000_000), BytesSent = 1978, BytesReceived = 47761,
            Error = "connect failed: STATUS_CONNECTION_REFUSED", Aborted = true, AbortReason = "Transport indicated abortive disconnect",
        },
        new()
        {
            Endpoint = 0xFFFF9A0C12347800, ProcessId = 9012, ProcessName = "OUTLOOK.EXE", Protocol = 17, Family = 2,
            Closed = Start.AddTicks(19_060_000), BytesSent = 404, BytesReceived = 27628,
        },
    ];

    private static string[] Table(int? width, TimeZoneInfo? zone = null)
    {
        var output = new ArrayBufferWriter<byte>();
        using (var writer = new SocketWriter(output, SocketFormat.Table, width, zone))
        {
            foreach (var s in Sockets()) writer.Write(s);
            writer.Complete();
        }
        return Encoding.UTF8.GetString(output.WrittenSpan).Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    [Theory]
    [InlineData(80)]
    [InlineData(100)]
    [InlineData(140)]
    public void At_a_terminal_width_every_row_fits_and_an_ipv6_remote_stays_whole(int width)
    {
        var lines = Table(width);
        Assert.All(lines, line => Assert.True(line.Length <= width, $"{line.Length} wide: {line}"));
        Assert.Contains(lines, line => line.Contains(LongIpv6, StringComparison.Ordinal));
        // The note is wrapped, not lost: its lines come one after the other.
        Assert.Contains(LongNote.Replace(" ", ""), string.Concat(lines).Replace(" ", ""));
    }

    [Fact]
    public void At_80_columns_the_less_useful_columns_go_first_and_a_note_without_room_goes_under_its_row()
    {
        var lines = Table(80);
        Assert.Equal(["OPENED", "(UTC)", "PID", "PROCESS", "REMOTE"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches(@"^04:00:00\.038 +4400 a-process-with-a… +\[2001:db8:1234:5678:9abc:def0:1234:5678\]:443$", lines[2]);
        Assert.Equal("    aborted: Transport indicated abortive disconnect; connect failed:", lines[3]);
        Assert.Equal("    STATUS_CONNECTION_REFUSED", lines[4]);
    }

    [Fact]
    public void At_140_columns_the_note_has_its_column()
    {
        var lines = Table(140);
        Assert.EndsWith(" NOTE", lines[0]);
        Assert.DoesNotContain("ENDPOINT", lines[0]);
        Assert.Contains(LongIpv6 + " ", lines[2]);
    }

    [Fact]
    public void Into_a_pipe_every_column_and_every_value_is_whole()
    {
        var lines = Table(width: null);
        Assert.Equal(4, lines.Length);
        Assert.DoesNotContain(lines, line => line.Contains('…'));
        Assert.Equal(["OPENED", "(UTC)", "PID", "PROCESS", "PROTO", "REMOTE", "NAME", "SENT", "RECEIVED", "LOCAL", "CLOSED", "ENDPOINT", "NOTE"],
            lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("a-process-with-a-rather-long-name.exe", lines[2]);
        Assert.EndsWith(LongNote, lines[2]);
        // Columns line up: each header starts where its values do.
        int remote = lines[0].IndexOf("REMOTE", StringComparison.Ordinal);
        Assert.Equal(LongIpv6, lines[2].Substring(remote, LongIpv6.Length));
        Assert.Equal("203.0.113.10:443", lines[3].Substring(remote, 16));
    }

    [Fact]
    public void Rows_come_in_opening_order_and_the_host_name_stands_beside_the_remote_address()
    {
        var lines = Table(width: null);
        Assert.StartsWith("before       9012 OUTLOOK.EXE", lines[1]);
        Assert.StartsWith("04:00:00.038 4400 a-process", lines[2]);
        Assert.StartsWith("04:00:00.151 7420 chrome.exe", lines[3]);
        Assert.Matches(@"203\.0\.113\.10:443 +www\.example\.com ", lines[3]);
    }

    [Fact]
    public void Times_are_shown_in_the_zone_given()
    {
        var india = TimeZoneInfo.CreateCustomTimeZone("Test/India", TimeSpan.FromMinutes(330), "India", "India");
        var lines = Table(width: null, india);
        Assert.StartsWith("OPENED (local)", lines[0]);
        Assert.Matches(@"^09:30:00\.038 +4400 ", lines[2]);
        Assert.Contains(" 09:30:00.300 ", lines[2]);
    }

    [Fact]
    public void Csv_times_carry_the_zone_offset()
    {
        var india = TimeZoneInfo.CreateCustomTimeZone("Test/India", TimeSpan.FromMinutes(330), "India", "India");
        var output = new ArrayBufferWriter<byte>();
        using (var writer = new SocketWriter(output, SocketFormat.Csv, zone: india)) writer.Write(Sockets()[0]);
        string row = Encoding.UTF8.GetString(output.WrittenSpan).Split("\r\n")[1];
        Assert.Contains(",2026-06-02T09:30:00.1512699+05:30,2026-06-02T09:30:00.2245704+05:30,", row);
    }
}
