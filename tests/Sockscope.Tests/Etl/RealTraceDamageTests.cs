using System.Text.Json;
using Sockscope.Etl;
using Sockscope.Tests.Cli;
using Sockscope.Tests.Support;
using static Sockscope.Tests.Support.TraceSurgery;

namespace Sockscope.Tests.Etl;

/// <summary>
/// Real traces from ../shared/etl-samples with one buffer header damaged (copies in a temporary folder): every other
/// buffer is still read, record for record as in the same file without the damaged buffer.
/// </summary>
public sealed class RealTraceDamageTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Copy(string name, string suffix)
    {
        string path = _dir.File($"{name}.{suffix}.etl");
        File.Copy(SharedSamples.PathOf(name + ".etl"), path);
        return path;
    }

    [SharedSamplesTheory]
    [InlineData("demikernel_PktMon", 1)]
    [InlineData("kesiya24_PktMon", 1)]
    [InlineData("paul90317_PktMon", 1)]
    [InlineData("perfview_net.4.5.2.x64", 1)]
    [InlineData("perfview_net.4.5.2.x64", 200)]
    [InlineData("trailofbits_ms-rpc-capture-arrays", 3)]
    [InlineData("krabsetw_powershell", 1)]
    [InlineData("krabsetw_powershell", 12)]
    [InlineData("airbus_ShutdownPerfDiagLogger", 1)]
    public void A_buffer_size_of_0x48_loses_only_that_buffer(string name, int index)
    {
        string clean = SharedSamples.PathOf(name + ".etl");
        var victim = Buffers(clean)[index];
        string damaged = Copy(name, "size48");
        Patch(damaged, victim.Offset, U32(0x48));

        var expected = Read(Without(clean, victim, _dir.File(name + ".without.etl")));
        Assert.Equal(0, expected.Diagnostics.ProblemCount);
        var got = Read(damaged);
        AssertOthersIntact(got, expected, Read(clean).ByBuffer[victim.Offset], exact: true, $"{name} buffer {index}");
        Assert.Equal(expected.BuffersFound, got.BuffersFound);
        Assert.All(got.Diagnostics.Problems, p => Assert.InRange(p.Offset, victim.Offset, victim.Offset + victim.Size));
    }

    [SharedSamplesTheory]
    [InlineData("demikernel_PktMon")]
    [InlineData("kesiya24_PktMon")]
    [InlineData("paul90317_PktMon")]
    [InlineData("perfview_net.4.5.2.x64")]
    [InlineData("krabsetw_powershell")]
    [InlineData("airbus_AMSITrace")]
    public void A_damaged_first_buffer_header_leaves_the_other_buffers_readable(string name)
    {
        string clean = SharedSamples.PathOf(name + ".etl");
        var first = Buffers(clean)[0];
        string damaged = Copy(name, "first");
        Patch(damaged, 0, U32(0xFFFFFFFF));

        var before = Read(clean);
        var expected = Subtract(before.Keys, before.ByBuffer[first.Offset]);
        var got = Read(damaged);
        Assert.Equal(expected.Order(), got.Keys.Order());
        Assert.Equal(before.BuffersFound - 1, got.BuffersFound);
        using (var reader = EtlReader.Open(damaged))
        using (var cleanReader = EtlReader.Open(clean))
            Assert.Equal(cleanReader.Header, reader.Header);

        var result = CliRunner.Run("info", damaged, "--json");
        Assert.True(result.ExitCode == 1, $"exit {result.ExitCode}: {result.Error}");
        Assert.Equal(expected.Count, JsonDocument.Parse(result.Output).RootElement.GetProperty("records").GetInt64());
    }
}
