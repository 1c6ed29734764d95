using System.Net;
using Sockscope.Analysis;

namespace Sockscope.Tests.Analysis;

/// <summary>
/// The name table tells apart the addresses that share its 64-bit key (a process id and an address's last 32 bits):
/// IPv6 addresses alike in their last 32 bits, and the IPv4 address equal to those bits.
/// </summary>
public class NameTableTests
{
    private const uint Pid = 55;

    [Fact]
    public void Addresses_alike_in_their_last_32_bits_keep_their_own_names()
    {
        var table = new NameTable(100);
        table.Add(Pid, "a.example", "2001:db8:1::c633:640a");
        table.Add(Pid, "b.example", "2001:db8:2::c633:640a");
        table.Add(Pid, "v4.example", "198.51.100.10"); // 0xC633640A, the IPv6 addresses' last 32 bits
        table.Add(Pid, "c.example", "2001:db8:3::c633:640a");

        Assert.Equal(4, table.Count);
        Assert.Equal("a.example", table.NameOf(Pid, IPAddress.Parse("2001:db8:1::c633:640a")));
        Assert.Equal("b.example", table.NameOf(Pid, IPAddress.Parse("2001:db8:2::c633:640a")));
        Assert.Equal("c.example", table.NameOf(Pid, IPAddress.Parse("2001:db8:3::c633:640a")));
        Assert.Equal("v4.example", table.NameOf(Pid, IPAddress.Parse("198.51.100.10")));
        Assert.Equal("v4.example", table.NameOf(Pid, IPAddress.Parse("::ffff:198.51.100.10")));
        Assert.Null(table.NameOf(Pid, IPAddress.Parse("2001:db8:4::c633:640a")));
        Assert.Null(table.NameOf(Pid, IPAddress.Parse("::c633:640a")));
        Assert.Null(table.NameOf(Pid + 1, IPAddress.Parse("2001:db8:1::c633:640a")));
    }

    [Fact]
    public void A_later_lookup_renames_an_address_behind_others_of_its_key_and_a_full_table_still_renames()
    {
        var table = new NameTable(3);
        table.Add(Pid, "a.example", "2001:db8:1::10");
        table.Add(Pid, "b.example", "2001:db8:2::10");
        table.Add(Pid, "v4.example", "0.0.0.16");
        // Full: a new address is dropped and counted, a known one (first in, so last in its key's chain) renamed.
        table.Add(Pid, "new.example", "2001:db8:3::10;2001:db8:1::10");

        Assert.Equal(3, table.Count);
        Assert.Equal(1, table.Dropped);
        Assert.Equal("new.example", table.NameOf(Pid, IPAddress.Parse("2001:db8:1::10")));
        Assert.Equal("b.example", table.NameOf(Pid, IPAddress.Parse("2001:db8:2::10")));
        Assert.Equal("v4.example", table.NameOf(Pid, IPAddress.Parse("0.0.0.16")));
        Assert.Null(table.NameOf(Pid, IPAddress.Parse("2001:db8:3::10")));
    }
}
