using System.Buffers;
using System.Text;
using Sockscope.Etl;
using Sockscope.Events;
using Sockscope.Sinks;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Sinks;

public class EventTableWriterTests
{
    [Theory]
    [InlineData("Microsoft-Windows-Winsock-AFD", "AFD     ")]
    [InlineData("Microsoft-Windows-Winsock-Sockets", "Sockets ")]
    [InlineData("Microsoft-Windows-Winsock-NameResolution", "NameRes ")]
    [InlineData("Microsoft-Windows-Kernel-Process", "Kernel-…")]
    [InlineData("EventTrace", "EventTr…")]
    [InlineData("AmsiTrace", "AmsiTra…")]
    [InlineData("Amsi", "Amsi    ")]
    public void Providers_are_shown_by_short_names_cut_to_the_column_at_a_terminal(string name, string shown) =>
        Assert.Equal(shown, EventTableWriter.ProviderText(name, Guid.Empty));

    [Fact]
    public void Into_a_pipe_provider_names_are_whole()
    {
        Assert.Equal("Kernel-Process", EventTableWriter.ProviderText("Microsoft-Windows-Kernel-Process", Guid.Empty, fitted: false));
        Assert.Equal("NameRes ", EventTableWriter.ProviderText("Microsoft-Windows-Winsock-NameResolution", Guid.Empty, fitted: false));
        Assert.Equal("{8E805EB3-6A8F-4A1E-90FA-A831D94E54A1}",
            EventTableWriter.ProviderText(null, new Guid("8e805eb3-6a8f-4a1e-90fa-a831d94e54a1"), fitted: false));
    }

    [Theory]
    [InlineData(60)]
    [InlineData(100)]
    [InlineData(120)]
    [InlineData(200)]
    public void Rows_fit_the_width_and_cut_long_payloads(int width)
    {
        using var reader = EtlReader.Open(ShippedSample.Path);
        var names = new ProviderNames();
        var output = new ArrayBufferWriter<byte>();
        var writer = new EventTableWriter(output, reader.Clock, names, width);
        var payloads = new List<string>();
        while (reader.TryRead(out var r))
        {
            names.Learn(r);
            writer.Write(r);
            payloads.Add(Convert.ToHexString(r.UserData));
        }
        var lines = Encoding.UTF8.GetString(output.WrittenSpan).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(payloads.Count + 1, lines.Length);
        Assert.StartsWith("TIME (UTC)", lines[0]);
        int effective = Math.Max(width, EventTableWriter.MinimumWidth);
        int room = effective - lines[0].IndexOf("DETAILS", StringComparison.Ordinal);
        int cut = 0;
        for (int i = 1; i < lines.Length; i++)
        {
            Assert.True(lines[i].Length <= effective, $"row {i} is {lines[i].Length} wide");
            if (payloads[i - 1].Length == 0)
            {
                // No payload: nothing under DETAILS.
                int details = lines[0].IndexOf("DETAILS", StringComparison.Ordinal);
                Assert.True(lines[i].Length <= details || lines[i][details..].Trim().Length == 0, lines[i]);
                continue;
            }
            string shown = lines[i][(lines[i].LastIndexOf(' ') + 1)..];
            if (payloads[i - 1].Length <= room)
            {
                Assert.Equal(payloads[i - 1], shown);
                continue;
            }
            // Cut to whole bytes that fit with the ellipsis.
            cut++;
            Assert.EndsWith("…", shown);
            Assert.StartsWith(shown[..^1], payloads[i - 1]);
            Assert.Equal((room - 1) / 2 * 2, shown.Length - 1);
        }
        // Both kinds of row were seen: payloads cut and payloads whole.
        Assert.True(cut > 0 && cut < payloads.Count, $"{cut} of {payloads.Count} payloads cut");
    }
}
