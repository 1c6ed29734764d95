using Sockscope.Decoding.Values;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Decoding;

/// <summary>
/// The symbolic-name tables: exact names for sampled values (checked against ntstatus.h, winerror.h, winsock2.h,
/// ws2def.h and IANA's protocol registry), unknown values, HRESULT_FROM_WIN32 forms, the Winsock aliases, the seed's
/// Protocol map, and lookups that do not allocate.
/// </summary>
public class ValueNameTests
{
    // ---- NTSTATUS -----------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(0x00000000u, "STATUS_SUCCESS")]
    [InlineData(0x00000102u, "STATUS_TIMEOUT")]
    [InlineData(0x00000103u, "STATUS_PENDING")]
    [InlineData(0x4000000Fu, "STATUS_RECEIVE_PARTIAL")]
    [InlineData(0x40000010u, "STATUS_RECEIVE_EXPEDITED")]
    [InlineData(0x80000005u, "STATUS_BUFFER_OVERFLOW")]
    [InlineData(0xC0000001u, "STATUS_UNSUCCESSFUL")]
    [InlineData(0xC0000008u, "STATUS_INVALID_HANDLE")]
    [InlineData(0xC000000Du, "STATUS_INVALID_PARAMETER")]
    [InlineData(0xC0000016u, "STATUS_MORE_PROCESSING_REQUIRED")]
    [InlineData(0xC0000022u, "STATUS_ACCESS_DENIED")]
    [InlineData(0xC0000023u, "STATUS_BUFFER_TOO_SMALL")]
    [InlineData(0xC000009Au, "STATUS_INSUFFICIENT_RESOURCES")]
    [InlineData(0xC00000B5u, "STATUS_IO_TIMEOUT")]
    [InlineData(0xC00000BBu, "STATUS_NOT_SUPPORTED")]
    [InlineData(0xC00000C9u, "STATUS_NETWORK_NAME_DELETED")]
    [InlineData(0xC0000120u, "STATUS_CANCELLED")]
    [InlineData(0xC000013Bu, "STATUS_LOCAL_DISCONNECT")]
    [InlineData(0xC000013Cu, "STATUS_REMOTE_DISCONNECT")]
    [InlineData(0xC000013Fu, "STATUS_LINK_TIMEOUT")]
    [InlineData(0xC0000141u, "STATUS_INVALID_ADDRESS")]
    [InlineData(0xC0000207u, "STATUS_INVALID_ADDRESS_COMPONENT")]
    [InlineData(0xC000020Au, "STATUS_ADDRESS_ALREADY_EXISTS")]
    [InlineData(0xC000020Du, "STATUS_CONNECTION_RESET")]
    [InlineData(0xC000021Bu, "STATUS_DATA_NOT_ACCEPTED")]
    [InlineData(0xC0000236u, "STATUS_CONNECTION_REFUSED")]
    [InlineData(0xC0000237u, "STATUS_GRACEFUL_DISCONNECT")]
    [InlineData(0xC0000238u, "STATUS_ADDRESS_ALREADY_ASSOCIATED")]
    [InlineData(0xC000023Cu, "STATUS_NETWORK_UNREACHABLE")]
    [InlineData(0xC000023Du, "STATUS_HOST_UNREACHABLE")]
    [InlineData(0xC0000241u, "STATUS_CONNECTION_ABORTED")]
    [InlineData(0xC0000246u, "STATUS_CONNECTION_COUNT_LIMIT")]
    [InlineData(0xC0000350u, "STATUS_HOST_DOWN")]
    [InlineData(0xC000A012u, "STATUS_HOPLIMIT_EXCEEDED")]
    [InlineData(0xC0220103u, "STATUS_FWP_CANNOT_PEND")]
    [InlineData(0xC023001Fu, "STATUS_NDIS_MEDIA_DISCONNECTED")]
    public void Ntstatus_values_have_their_names(uint status, string expected)
    {
        Assert.True(NtStatusNames.TryGetName(status, out var name));
        Assert.Equal(expected, name);
    }

    [Theory]
    [InlineData(0x00000004u)] // STATUS_WAIT_4: not listed
    [InlineData(0x12345678u)]
    [InlineData(0xC0000000u)]
    [InlineData(0xC0009999u)]
    [InlineData(0xFFFFFFFFu)]
    [InlineData(0x80070005u)] // an HRESULT, not an NTSTATUS
    public void Unknown_ntstatus_values_are_not_named(uint status)
    {
        Assert.False(NtStatusNames.TryGetName(status, out var name));
        Assert.Null(name);
    }

    [Theory]
    [InlineData(0x00000000u, false)] // STATUS_SUCCESS
    [InlineData(0x00000103u, false)] // STATUS_PENDING: completes later
    [InlineData(0xC0000236u, true)]  // STATUS_CONNECTION_REFUSED
    [InlineData(0x80000005u, true)]  // STATUS_BUFFER_OVERFLOW, a warning that the operation did not do all it was asked
    [InlineData(0x00000102u, true)]  // STATUS_TIMEOUT
    public void Only_success_and_pending_are_no_failure(uint status, bool failure) =>
        Assert.Equal(failure, NtStatusNames.IsFailure(status));

    [Fact]
    public void Ntstatus_table_is_large_and_well_formed()
    {
        Assert.True(NtStatusNames.Count >= 250, $"{NtStatusNames.Count} statuses");
        Assert.All(NtStatusNames.All, p => Assert.StartsWith("STATUS_", p.Value));
        Assert.Equal(NtStatusNames.Count, NtStatusNames.All.Values.Distinct(StringComparer.Ordinal).Count());
        // The severity in the top two bits agrees with the kind of name for a few well-known ones.
        Assert.All(NtStatusNames.All.Where(p => p.Value.Contains("CONNECTION_", StringComparison.Ordinal)),
            p => Assert.Equal(3u, p.Key >> 30));
    }

    // ---- Win32 and Winsock ---------------------------------------------------------------------------------------

    [Theory]
    [InlineData(0u, "ERROR_SUCCESS")]
    [InlineData(2u, "ERROR_FILE_NOT_FOUND")]
    [InlineData(5u, "ERROR_ACCESS_DENIED")]
    [InlineData(6u, "ERROR_INVALID_HANDLE")]
    [InlineData(8u, "ERROR_NOT_ENOUGH_MEMORY")]
    [InlineData(64u, "ERROR_NETNAME_DELETED")]
    [InlineData(87u, "ERROR_INVALID_PARAMETER")]
    [InlineData(122u, "ERROR_INSUFFICIENT_BUFFER")]
    [InlineData(234u, "ERROR_MORE_DATA")]
    [InlineData(258u, "WAIT_TIMEOUT")]
    [InlineData(707u, "ERROR_RECEIVE_PARTIAL")]
    [InlineData(995u, "ERROR_OPERATION_ABORTED")]
    [InlineData(996u, "ERROR_IO_INCOMPLETE")]
    [InlineData(997u, "ERROR_IO_PENDING")]
    [InlineData(1168u, "ERROR_NOT_FOUND")]
    [InlineData(1223u, "ERROR_CANCELLED")]
    [InlineData(1225u, "ERROR_CONNECTION_REFUSED")]
    [InlineData(1226u, "ERROR_GRACEFUL_DISCONNECT")]
    [InlineData(1231u, "ERROR_NETWORK_UNREACHABLE")]
    [InlineData(1236u, "ERROR_CONNECTION_ABORTED")]
    [InlineData(1256u, "ERROR_HOST_DOWN")]
    [InlineData(1460u, "ERROR_TIMEOUT")]
    [InlineData(9003u, "DNS_ERROR_RCODE_NAME_ERROR")]
    [InlineData(9501u, "DNS_INFO_NO_RECORDS")]
    [InlineData(10004u, "WSAEINTR")]
    [InlineData(10013u, "WSAEACCES")]
    [InlineData(10035u, "WSAEWOULDBLOCK")]
    [InlineData(10038u, "WSAENOTSOCK")]
    [InlineData(10040u, "WSAEMSGSIZE")]
    [InlineData(10048u, "WSAEADDRINUSE")]
    [InlineData(10049u, "WSAEADDRNOTAVAIL")]
    [InlineData(10050u, "WSAENETDOWN")]
    [InlineData(10053u, "WSAECONNABORTED")]
    [InlineData(10054u, "WSAECONNRESET")]
    [InlineData(10055u, "WSAENOBUFS")]
    [InlineData(10057u, "WSAENOTCONN")]
    [InlineData(10060u, "WSAETIMEDOUT")]
    [InlineData(10061u, "WSAECONNREFUSED")]
    [InlineData(10065u, "WSAEHOSTUNREACH")]
    [InlineData(10093u, "WSANOTINITIALISED")]
    [InlineData(10101u, "WSAEDISCON")]
    [InlineData(10110u, "WSA_E_NO_MORE")]
    [InlineData(10112u, "WSAEREFUSED")]
    [InlineData(11001u, "WSAHOST_NOT_FOUND")]
    [InlineData(11004u, "WSANO_DATA")]
    [InlineData(11024u, "WSA_QOS_EUNKOWNPSOBJ")]
    [InlineData(11031u, "WSA_QOS_RESERVED_PETYPE")]
    [InlineData(11033u, "WSA_IPSEC_NAME_POLICY_ERROR")]
    public void Win32_and_winsock_codes_have_their_names(uint code, string expected)
    {
        Assert.True(Win32ErrorNames.TryGetName(code, out var name));
        Assert.Equal(expected, name);
    }

    [Theory]
    [InlineData(35u)]
    [InlineData(10000u)] // WSABASEERR is a base, not an error
    [InlineData(10001u)]
    [InlineData(10072u)]
    [InlineData(10113u)]
    [InlineData(11000u)]
    [InlineData(11034u)]
    [InlineData(0xC0000236u)] // an NTSTATUS, not a Win32 code
    [InlineData(0x80004005u)] // E_FAIL: an HRESULT of another facility
    [InlineData(0x80090326u)] // SEC_E_ILLEGAL_MESSAGE (facility 9)
    [InlineData(0x80070000u)] // HRESULT_FROM_WIN32 never makes this (0 maps to S_OK)
    [InlineData(0x8007FFFFu)] // wraps 65535, which is not named
    [InlineData(0xC007274Du)] // facility 7 but not severity bits 10: not HRESULT_FROM_WIN32
    public void Unknown_win32_codes_are_not_named(uint code)
    {
        Assert.False(Win32ErrorNames.TryGetName(code, out var name));
        Assert.Null(name);
        Assert.False(Win32ErrorNames.TryGetWinsockName(code, out name));
        Assert.Null(name);
    }

    [Theory]
    [InlineData(0x80070005u, "ERROR_ACCESS_DENIED")]
    [InlineData(0x80070057u, "ERROR_INVALID_PARAMETER")]
    [InlineData(0x800703E3u, "ERROR_OPERATION_ABORTED")]
    [InlineData(0x800703E5u, "ERROR_IO_PENDING")]
    [InlineData(0x800704C9u, "ERROR_CONNECTION_REFUSED")]
    [InlineData(0x80072746u, "WSAECONNRESET")]
    [InlineData(0x8007274Cu, "WSAETIMEDOUT")]
    [InlineData(0x8007274Du, "WSAECONNREFUSED")]
    [InlineData(0x80072AF9u, "WSAHOST_NOT_FOUND")]
    public void Hresult_from_win32_is_named_by_its_code(uint hresult, string expected)
    {
        Assert.True(Win32ErrorNames.TryGetName(hresult, out var name));
        Assert.Equal(expected, name);
        // The same name as the bare code.
        Assert.True(Win32ErrorNames.TryGetName(hresult & 0xFFFF, out var bare));
        Assert.Equal(bare, name);
    }

    [Theory]
    [InlineData(6u, "WSA_INVALID_HANDLE")]
    [InlineData(8u, "WSA_NOT_ENOUGH_MEMORY")]
    [InlineData(87u, "WSA_INVALID_PARAMETER")]
    [InlineData(995u, "WSA_OPERATION_ABORTED")]
    [InlineData(996u, "WSA_IO_INCOMPLETE")]
    [InlineData(997u, "WSA_IO_PENDING")]
    [InlineData(0x800703E5u, "WSA_IO_PENDING")]
    [InlineData(0u, "ERROR_SUCCESS")]
    [InlineData(5u, "ERROR_ACCESS_DENIED")]
    [InlineData(1225u, "ERROR_CONNECTION_REFUSED")]
    [InlineData(10061u, "WSAECONNREFUSED")]
    public void Winsock_names_prefer_the_wsa_aliases_of_six_win32_codes(uint code, string expected)
    {
        Assert.True(Win32ErrorNames.TryGetWinsockName(code, out var name));
        Assert.Equal(expected, name);
    }

    [Fact]
    public void Every_documented_winsock_code_is_named()
    {
        // The "Windows Sockets Error Codes" list, 10004 to 11031, plus 11032 and 11033 from winsock2.h.
        uint[] documented =
        [
            10004, 10009, 10013, 10014, 10022, 10024,
            10035, 10036, 10037, 10038, 10039, 10040, 10041, 10042, 10043, 10044, 10045, 10046, 10047, 10048, 10049,
            10050, 10051, 10052, 10053, 10054, 10055, 10056, 10057, 10058, 10059, 10060, 10061, 10062, 10063, 10064,
            10065, 10066, 10067, 10068, 10069, 10070, 10071, 10091, 10092, 10093,
            10101, 10102, 10103, 10104, 10105, 10106, 10107, 10108, 10109, 10110, 10111, 10112,
            11001, 11002, 11003, 11004,
        ];
        foreach (var code in documented.Concat(Enumerable.Range(11005, 29).Select(c => (uint)c)))
        {
            Assert.True(Win32ErrorNames.TryGetName(code, out var name), $"{code} is not named");
            Assert.StartsWith("WSA", name);
        }
        // Nothing else in the Winsock range is named.
        var named = Win32ErrorNames.All.Keys.Where(k => k is >= 10000 and < 12000).Count();
        Assert.Equal(documented.Length + 29, named);
    }

    [Fact]
    public void Win32_table_is_large_and_well_formed()
    {
        Assert.True(Win32ErrorNames.Count >= 350, $"{Win32ErrorNames.Count} codes");
        Assert.All(Win32ErrorNames.All, p => Assert.Matches("^(ERROR_|WSA|WAIT_|DNS_|RPC_S_)[A-Z0-9_]+$", p.Value));
        Assert.All(Win32ErrorNames.All.Keys, k => Assert.True(k <= 0xFFFF, $"{k} does not fit an HRESULT"));
        Assert.Equal(Win32ErrorNames.Count, Win32ErrorNames.All.Values.Distinct(StringComparer.Ordinal).Count());
    }

    // ---- address families ------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(0u, "AF_UNSPEC")]
    [InlineData(1u, "AF_UNIX")]
    [InlineData(2u, "AF_INET")]
    [InlineData(6u, "AF_IPX")]
    [InlineData(7u, "AF_ISO")]
    [InlineData(12u, "AF_DECnet")]
    [InlineData(16u, "AF_APPLETALK")]
    [InlineData(17u, "AF_NETBIOS")]
    [InlineData(22u, "AF_ATM")]
    [InlineData(23u, "AF_INET6")]
    [InlineData(25u, "AF_12844")]
    [InlineData(26u, "AF_IRDA")]
    [InlineData(28u, "AF_NETDES")]
    [InlineData(32u, "AF_BTH")]
    [InlineData(33u, "AF_LINK")]
    [InlineData(34u, "AF_HYPERV")]
    public void Address_families_have_their_windows_names(uint family, string expected)
    {
        Assert.True(AddressFamilies.TryGetName(family, out var name));
        Assert.Equal(expected, name);
    }

    [Theory]
    [InlineData(27u)] // a gap in ws2def.h
    [InlineData(35u)] // AF_MAX
    [InlineData(40u)] // Linux's AF_VSOCK: Windows defines none
    [InlineData(0xFFFFu)]
    public void Unknown_address_families_are_not_named(uint family)
    {
        Assert.False(AddressFamilies.TryGetName(family, out var name));
        Assert.Null(name);
    }

    [Fact]
    public void Address_families_cover_ws2def_from_0_to_34_except_27()
    {
        Assert.Equal(34, AddressFamilies.Count);
        for (uint f = 0; f <= 34; f++)
            Assert.Equal(f != 27, AddressFamilies.TryGetName(f, out _));
        Assert.All(AddressFamilies.All.Values, n => Assert.StartsWith("AF_", n));
    }

    // ---- IP protocols -------------------------------------------------------------------------------------------

    /// <summary>The Protocol field's "Known values" in seed 000 (the Winsock-Sockets manifest map), verbatim.</summary>
    public static TheoryData<uint, string> SeedProtocols => new()
    {
        { 0, "HOPOPT" }, { 1, "ICMP" }, { 2, "IGMP" }, { 6, "TCP" }, { 17, "UDP" }, { 41, "IPv6" },
        { 43, "IPv6-Route" }, { 44, "IPv6-Frag" }, { 47, "GRE" }, { 50, "ESP" }, { 51, "AH" }, { 58, "ICMPv6" },
        { 89, "OSPF" }, { 103, "PIM" }, { 132, "SCTP" },
    };

    [Theory]
    [MemberData(nameof(SeedProtocols))]
    public void Protocols_of_the_manifest_map_are_spelt_as_the_map_spells_them(uint protocol, string expected)
    {
        Assert.True(IpProtocols.TryGetName(protocol, out var name));
        Assert.Equal(expected, name);
    }

    [Theory]
    [InlineData(3u, "GGP")]
    [InlineData(4u, "IPv4")]
    [InlineData(5u, "ST")]
    [InlineData(7u, "CBT")]
    [InlineData(8u, "EGP")]
    [InlineData(9u, "IGP")]
    [InlineData(12u, "PUP")]
    [InlineData(22u, "XNS-IDP")]
    [InlineData(27u, "RDP")]
    [InlineData(59u, "IPv6-NoNxt")]
    [InlineData(60u, "IPv6-Opts")]
    [InlineData(77u, "SUN-ND")]
    [InlineData(78u, "WB-MON")]
    [InlineData(113u, "PGM")]
    [InlineData(115u, "L2TP")]
    [InlineData(255u, "RAW")]
    public void Other_windows_protocols_have_their_iana_keywords(uint protocol, string expected)
    {
        Assert.True(IpProtocols.TryGetName(protocol, out var name));
        Assert.Equal(expected, name);
    }

    [Theory]
    [InlineData(10u)]
    [InlineData(112u)] // VRRP: in IANA's registry but no IPPROTO_ value on Windows
    [InlineData(254u)]
    [InlineData(256u)] // IPPROTO_MAX
    [InlineData(257u)] // IPPROTO_RESERVED_RAW: internal to Windows
    public void Unknown_protocols_are_not_named(uint protocol)
    {
        Assert.False(IpProtocols.TryGetName(protocol, out var name));
        Assert.Null(name);
    }

    [Fact]
    public void Protocol_table_holds_the_seed_map_and_the_windows_ipproto_values()
    {
        // 15 from the map, 16 more IPPROTO_ values (GRE and OSPF are in the map but not in ws2def.h).
        Assert.Equal(31, IpProtocols.Count);
        Assert.All(IpProtocols.All.Keys, k => Assert.True(k <= 255));
    }

    // ---- allocation -------------------------------------------------------------------------------------------------

    [Fact]
    public void Lookups_do_not_allocate()
    {
        uint[] statuses = [0, 0x103, 0x80000005, 0xC0000236, 0xC000020D, 0xC0000120, 0x12345678];
        uint[] codes = [0, 5, 997, 1225, 10061, 10054, 11001, 0x8007274D, 0x80070005, 12345, 0x80004005];
        uint[] families = [2, 23, 6, 34, 27, 99];
        uint[] protocols = [6, 17, 58, 255, 300, 112];

        long Run(int iterations)
        {
            long total = 0;
            for (int i = 0; i < iterations; i++)
            {
                if (NtStatusNames.TryGetName(statuses[i % statuses.Length], out var a)) total += a.Length;
                if (Win32ErrorNames.TryGetName(codes[i % codes.Length], out var b)) total += b.Length;
                if (Win32ErrorNames.TryGetWinsockName(codes[i % codes.Length], out var c)) total += c.Length;
                if (AddressFamilies.TryGetName(families[i % families.Length], out var d)) total += d.Length;
                if (IpProtocols.TryGetName(protocols[i % protocols.Length], out var e)) total += e.Length;
            }
            return total;
        }

        Run(1_000); // warm up: type initialisers build the tables, the JIT compiles the lookups
        long total = 0;
        NoAllocation.Assert(() => { total = Run(10_000); });
        Assert.True(total > 0);
    }
}
