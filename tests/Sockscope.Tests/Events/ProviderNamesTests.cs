using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sockscope.Etl;
using Sockscope.Etl.Writing;
using Sockscope.Events;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Events;

/// <summary>
/// Provider names: the kernel group table, the well-known table, TraceLogging traits and relogged TRACE_EVENT_INFO
/// parsing, and learning over the real traces (checked against what the traces' own bytes and PerfView say).
/// </summary>
public class ProviderNamesTests
{
    private static readonly Guid MetaData = new("bbccf6c1-6cd1-48c4-80ff-839482e37671");

    // ---- kernel groups ------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(0x00, 0, "68fdd900-4a3e-11d1-84f4-0000f80464e3", "EventTrace")]
    [InlineData(0x01, 10, "3d6fa8d4-fe05-11d0-9dda-00c04fd7ba7c", "DiskIo")]
    [InlineData(0x02, 32, "3d6fa8d3-fe05-11d0-9dda-00c04fd7ba7c", "PageFault")]
    [InlineData(0x03, 1, "3d6fa8d0-fe05-11d0-9dda-00c04fd7ba7c", "Process")]
    [InlineData(0x03, 10, "2cb15d1d-5fc1-11d2-abe1-00a0c911f518", "Image")] // old image loads in the process group
    [InlineData(0x04, 64, "90cbdc39-4a3e-11d1-84f4-0000f80464e3", "FileIo")]
    [InlineData(0x05, 36, "3d6fa8d1-fe05-11d0-9dda-00c04fd7ba7c", "Thread")]
    [InlineData(0x06, 26, "9a280ac0-c8e0-11d1-84e2-00c04fb998a2", "TcpIp")]
    [InlineData(0x08, 11, "bf3a50c5-a9c9-4988-a005-2df0b7c80f80", "UdpIp")]
    [InlineData(0x09, 10, "ae53722e-c863-11d2-8659-00c04fa321a1", "Registry")]
    [InlineData(0x0B, 15, "01853a65-418f-4f36-aefc-dc0f1d2fd235", "SystemConfig")]
    [InlineData(0x0F, 46, "ce1dbfb4-137e-4da6-87b0-3f59aa102cbc", "PerfInfo")]
    [InlineData(0x14, 10, "2cb15d1d-5fc1-11d2-abe1-00a0c911f518", "Image")]
    [InlineData(0x18, 32, "def2fe46-7bd6-4b80-bd94-f57fe20d0ce3", "StackWalk")]
    [InlineData(0x1A, 33, "45d8cccd-539f-4b72-a8b7-5c683142609a", "ALPC")]
    [InlineData(0x1B, 32, "d837ca92-12b9-44a5-ad6a-3a65b3578aa8", "SplitIo")]
    public void Kernel_groups_map_to_their_event_class(int group, int opcode, string guid, string name)
    {
        Assert.True(KernelEventGroups.TryGet((byte)group, (byte)opcode, out var classGuid, out var className));
        Assert.Equal(new Guid(guid), classGuid);
        Assert.Equal(name, className);
    }

    [Theory]
    [InlineData(0x0C)] // spare
    [InlineData(0x1F)] // past MAX_KERNEL_TRACE_EVENTS
    [InlineData(0xFF)]
    public void Groups_without_a_class_are_refused(int group)
    {
        Assert.False(KernelEventGroups.TryGet((byte)group, 0, out var classGuid, out _));
        Assert.Equal(Guid.Empty, classGuid);
    }

    [Fact]
    public void Only_the_process_group_load_type_moves_to_the_image_class()
    {
        Assert.True(KernelEventGroups.TryGet(0x03, 2, out var end, out _));
        Assert.Equal(KernelEventGroups.Process, end);
        Assert.True(KernelEventGroups.TryGet(0x04, 10, out var file, out _));
        Assert.Equal(KernelEventGroups.FileIo, file);
    }

    // ---- the well-known table -----------------------------------------------------------------------------------

    [Theory]
    [InlineData("e53c6823-7bb8-44bb-90dc-3f86090d48a6", "Microsoft-Windows-Winsock-AFD")]
    [InlineData("bde46aea-2357-51fe-7367-d5296f530bd1", "Microsoft-Windows-Winsock-Sockets")]
    [InlineData("55404e71-4db9-4deb-a5f5-8f86e46dde56", "Microsoft-Windows-Winsock-NameResolution")]
    [InlineData("2f07e2ee-15db-40f1-90ef-9d7ba282188a", "Microsoft-Windows-TCPIP")]
    [InlineData("e13c0d23-ccbc-4e12-931b-d9cc2eee27e4", "Microsoft-Windows-DotNETRuntime")]
    [InlineData("b3e675d7-2554-4f18-830b-2762732560de", "KernelTraceControl/ImageID")]
    [InlineData("ed54dff8-c409-4cf6-bf83-05e1e61a09c4", "KernelTraceControl/WinSat")]
    [InlineData("9e814aad-3204-11d2-9a82-006008a86939", "MSNT_SystemTrace")]
    [InlineData("9a280ac0-c8e0-11d1-84e2-00c04fb998a2", "TcpIp")]
    public void Well_known_providers_look_up_both_ways(string guid, string name)
    {
        Assert.True(WellKnownProviders.TryGetName(new Guid(guid), out var gotName));
        Assert.Equal(name, gotName);
        Assert.True(WellKnownProviders.TryGetGuid(name, out var gotGuid));
        Assert.Equal(new Guid(guid), gotGuid);
        Assert.True(WellKnownProviders.TryGetGuid(name.ToUpperInvariant(), out var upper));
        Assert.Equal(new Guid(guid), upper);
    }

    [Fact]
    public void Unknown_providers_are_not_named()
    {
        Assert.False(WellKnownProviders.TryGetName(new Guid("01234567-89ab-cdef-0123-456789abcdef"), out _));
        Assert.False(WellKnownProviders.TryGetGuid("Contoso-Nothing", out var guid));
        Assert.Equal(Guid.Empty, guid);
        Assert.Null(new ProviderNames().NameOf(new Guid("01234567-89ab-cdef-0123-456789abcdef")));
    }

    [Fact]
    public void Every_table_name_is_unique_and_every_kernel_class_is_in_it()
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (guid, name) in WellKnownProviders.All)
        {
            Assert.True(names.Add(name), $"{name} is in the table twice");
            Assert.True(WellKnownProviders.TryGetGuid(name, out var back));
            Assert.Equal(guid, back);
        }
        for (int g = 0; g < KernelEventGroups.GroupCount; g++)
            if (KernelEventGroups.TryGet((byte)g, 0, out var classGuid, out var className))
                Assert.Equal(className, WellKnownProviders.All[classGuid]);
        Assert.Equal(71, WellKnownProviders.Count);
    }

    /// <summary>
    /// EventSource and TraceLogging providers without an explicit GUID get the hash of their name, which ties the
    /// table's pair together without trusting any single source.
    /// </summary>
    [Theory]
    [InlineData("Microsoft-Windows-Winsock-Sockets")]
    [InlineData("Microsoft-Antimalware-Scan-Interface")]
    [InlineData("PerfView")]
    [InlineData("System.Runtime")]
    [InlineData("System.Net.Sockets")]
    [InlineData("System.Net.NameResolution")]
    [InlineData("System.Net.Http")]
    [InlineData("System.Net.Security")]
    [InlineData("Private.InternalDiagnostics.System.Net.Sockets")]
    [InlineData("Private.InternalDiagnostics.System.Net.NameResolution")]
    [InlineData("Private.InternalDiagnostics.System.Net.Http")]
    public void Name_hashed_providers_match_the_hash_of_their_name(string name)
    {
        Assert.True(WellKnownProviders.TryGetGuid(name, out var guid));
        Assert.Equal(EventSourceGuid(name), guid);
    }

    [SharedSamplesFact]
    public void Winsock_guids_match_the_shared_schemas()
    {
        string schemaDir = Path.Combine(SharedSamples.Directory!, "..", "schema");
        var files = Directory.Exists(schemaDir) ? Directory.GetFiles(schemaDir, "*.schema.json") : Array.Empty<string>();
        // The four Winsock providers: AFD, Sockets, NameResolution and WS2HELP (catalog changes).
        Assert.Equal(4, files.Length);
        foreach (var file in files)
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            var provider = doc.RootElement.GetProperty("provider");
            string name = provider.GetProperty("name").GetString()!;
            var guid = new Guid(provider.GetProperty("guid").GetString()!);
            Assert.True(WellKnownProviders.TryGetName(guid, out var ours), $"{name} missing");
            Assert.Equal(name, ours);
        }
    }

    // ---- TraceLogging provider traits ---------------------------------------------------------------------------

    [Fact]
    public void Traits_give_the_name_and_group()
    {
        var group = new Guid("4f50731a-89cf-4782-b3e0-dce8c90476ba");
        var blob = ProviderTraitsBlob.Of("Contoso.Net.Probe", (1, group.ToByteArray()), (7, new byte[] { 0xEE }));
        Assert.True(TraceLoggingTraits.TryGetProviderName(blob, out var utf8));
        Assert.Equal("Contoso.Net.Probe", Encoding.UTF8.GetString(utf8));
        Assert.True(TraceLoggingTraits.TryGetProviderGroup(blob, out var got));
        Assert.Equal(group, got);

        // Padding after the blob (items are 8-aligned) is not part of it.
        var padded = blob.Concat(new byte[5]).ToArray();
        Assert.True(TraceLoggingTraits.TryGetProviderName(padded, out utf8));
        Assert.Equal("Contoso.Net.Probe", Encoding.UTF8.GetString(utf8));
    }

    [Fact]
    public void Traits_without_a_group_have_a_name_only()
    {
        var blob = ProviderTraitsBlob.Of("AmsiLike");
        Assert.True(TraceLoggingTraits.TryGetProviderName(blob, out var utf8));
        Assert.Equal("AmsiLike", Encoding.UTF8.GetString(utf8));
        Assert.False(TraceLoggingTraits.TryGetProviderGroup(blob, out _));
    }

    [Fact]
    public void Malformed_traits_are_refused()
    {
        var good = ProviderTraitsBlob.Of("Name");
        var sizeTooBig = (byte[])good.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(sizeTooBig, (ushort)(good.Length + 1));
        var noTerminator = new byte[] { 6, 0, (byte)'N', (byte)'a', (byte)'m', (byte)'e' };
        var empty = new byte[] { 3, 0, 0 };
        var sizeTooSmall = new byte[] { 2, 0, (byte)'N', 0 };
        foreach (var bad in new[] { sizeTooBig, noTerminator, empty, sizeTooSmall, Array.Empty<byte>(), new byte[] { 9 } })
            Assert.False(TraceLoggingTraits.TryGetProviderName(bad, out _));

        var badTrait = ProviderTraitsBlob.Of("Name", (1, new byte[16])).ToArray();
        BinaryPrimitives.WriteUInt16LittleEndian(badTrait.AsSpan(7), 200); // trait size past the blob
        Assert.False(TraceLoggingTraits.TryGetProviderGroup(badTrait, out _));
    }

    // ---- relogged TRACE_EVENT_INFO ------------------------------------------------------------------------------

    [Fact]
    public void Event_info_gives_the_provider_guid_and_name()
    {
        var provider = new Guid("6ad52b32-d609-4be9-ae07-ce8dae937e39");
        var payload = EventInfo(provider, "Microsoft-Windows-RPC", nameOffset: 120);
        Assert.True(ProviderNames.TryReadEventInfo(payload, out var got, out var utf16));
        Assert.Equal(provider, got);
        Assert.Equal("Microsoft-Windows-RPC", Encoding.Unicode.GetString(utf16));
    }

    [Fact]
    public void Malformed_event_info_is_refused()
    {
        var provider = Guid.Parse("11111111-2222-3333-4444-555555555555");
        var good = EventInfo(provider, "Provider", nameOffset: 112);
        Assert.True(ProviderNames.TryReadEventInfo(good, out _, out _));

        var cases = new List<(string Why, byte[] Bytes)>
        {
            ("too short", good[..100]),
            ("no GUID", EventInfo(Guid.Empty, "Provider", 112)),
            ("offset inside the fixed part", With(good, 52, 40)),
            ("offset past the end", With(good, 52, (uint)good.Length)),
            ("offset far past the end", With(good, 52, uint.MaxValue)),
            ("unknown decoding source", With(good, 48, 9)),
            ("no terminator", good[..^2]),
            ("odd tail, no terminator", good[..^1]),
            ("empty name", EventInfo(provider, "", 112)),
            ("control character", EventInfo(provider, "Pro\u0001vider", 112)),
            ("too long", EventInfo(provider, new string('x', ProviderNames.MaxNameLength + 1), 112)),
        };
        foreach (var (why, bytes) in cases)
            Assert.False(ProviderNames.TryReadEventInfo(bytes, out _, out _), why);
    }

    [Fact]
    public void Random_bytes_never_throw()
    {
        var random = new Random(20260602);
        for (int i = 0; i < 20_000; i++)
        {
            var bytes = new byte[random.Next(0, 300)];
            random.NextBytes(bytes);
            if (bytes.Length >= 56 && random.Next(2) == 0)
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(52), (uint)random.Next(0, 320));
            if (bytes.Length >= 52) BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(48), (uint)random.Next(0, 5));
            ProviderNames.TryReadEventInfo(bytes, out _, out _);
            if (bytes.Length >= 2) BinaryPrimitives.WriteUInt16LittleEndian(bytes, (ushort)random.Next(0, bytes.Length + 4));
            TraceLoggingTraits.TryGetProviderName(bytes, out _);
            TraceLoggingTraits.TryGetProviderGroup(bytes, out _);
        }
    }

    // ---- learning from written traces ---------------------------------------------------------------------------

    [Fact]
    public void Learn_picks_up_traits_and_event_info_and_they_win_over_the_table()
    {
        using var dir = new TempDir();
        string path = dir.File("names.etl");
        var tl = new Guid("0cd1c309-0878-4515-83db-749843b3f5c9");
        var rpc = new Guid("6ad52b32-d609-4be9-ae07-ce8dae937e39");
        var silent = new Guid("a1b2c3d4-0000-4000-8000-000000000001");
        using (var w = EtlWriter.Create(path))
        {
            long t = 1_000_000_100;
            w.WriteEvent(0, new EventHeaderValues { ProviderId = silent, Id = 1, Timestamp = t++ }, [1]);
            w.WriteEvent(0, new EventHeaderValues { ProviderId = tl, Id = 2, Timestamp = t++ }, [2],
                [new ExtendedDataItemValue(ExtendedDataType.ProviderTraits, ProviderTraitsBlob.Of("Contoso.TraceLogging"))]);
            w.WriteClassicEvent(1, TraceHeaderType.FullHeader64, MetaData, 32, 0, 0, 4, 8, t++,
                EventInfo(rpc, "Contoso-Relogged-RPC", 112));
            // A MetaData event of another type (an EVENT_MAP_INFO) is not a TRACE_EVENT_INFO.
            w.WriteClassicEvent(1, TraceHeaderType.FullHeader64, MetaData, 33, 0, 0, 4, 8, t++,
                EventInfo(silent, "Not-A-Name", 112));
            w.WriteKernelEvent(0, TraceHeaderType.System64, 0x06, 26, 2, 8, 4, t++, new byte[64]);
        }

        var names = new ProviderNames();
        using (var reader = EtlReader.Open(path))
            while (reader.TryRead(out var r)) names.Learn(r);

        Assert.Equal(2, names.LearnedCount);
        Assert.Equal("Contoso.TraceLogging", names.NameOf(tl));
        Assert.Equal("Contoso-Relogged-RPC", names.NameOf(rpc)); // learned beats the table's Microsoft-Windows-RPC
        Assert.True(names.TryGetLearned(rpc, out _));
        Assert.False(names.TryGetLearned(silent, out _));
        Assert.Null(names.NameOf(silent));
        Assert.Equal("Microsoft-Windows-TCPIP", names.NameOf(new Guid("2f07e2ee-15db-40f1-90ef-9d7ba282188a")));

        using var again = EtlReader.Open(path);
        var seen = new List<(string?, Guid)>();
        while (again.TryRead(out var r)) seen.Add((names.NameOf(r), names.GuidOf(r)));
        Assert.Contains(("TcpIp", KernelEventGroups.TcpIp), seen);
        Assert.Contains(("EventTrace", KernelEventGroups.EventTrace), seen); // the logfile header
        Assert.Contains(("KernelTraceControl/MetaData", MetaData), seen);
        Assert.Contains(((string?)null, silent), seen);
    }

    [Fact]
    public void A_name_with_a_lone_surrogate_is_kept_with_a_replacement_and_dumps_as_json()
    {
        // Found by the fuzzer: a damaged EventInfo named a provider with half a surrogate pair, and writing the name as
        // JSON threw.
        using var dir = new TempDir();
        string path = dir.File("surrogate.etl");
        var odd = new Guid("a1b2c3d4-0000-4000-8000-0000000000d8");
        using (var w = EtlWriter.Create(path))
        {
            long t = 1_000_000_100;
            var info = EventInfo(odd, "BadXName", 112);
            BinaryPrimitives.WriteUInt16LittleEndian(info.AsSpan(112 + 2 * 3), 0xD800); // the X: half a surrogate pair
            w.WriteClassicEvent(1, TraceHeaderType.FullHeader64, MetaData, 32, 0, 0, 4, 8, t++, info);
            w.WriteEvent(0, new EventHeaderValues { ProviderId = odd, Id = 1, Timestamp = t++ }, [1]);
        }
        var names = new ProviderNames();
        using (var reader = EtlReader.Open(path))
            while (reader.TryRead(out var r)) names.Learn(r);
        Assert.Equal("Bad\uFFFDName", names.NameOf(odd));

        var dump = Sockscope.Tests.Cli.CliRunner.Run("dump", path, "--all");
        Assert.Equal(0, dump.ExitCode);
        Assert.Contains("\"provider\":\"Bad\uFFFDName\"", dump.Output);
    }

    [Fact]
    public void A_later_name_replaces_an_earlier_one()
    {
        using var dir = new TempDir();
        string path = dir.File("rename.etl");
        var p = new Guid("a1b2c3d4-0000-4000-8000-000000000002");
        using (var w = EtlWriter.Create(path))
        {
            w.WriteEvent(0, new EventHeaderValues { ProviderId = p, Timestamp = 1_000_000_100 }, [],
                [new ExtendedDataItemValue(ExtendedDataType.ProviderTraits, ProviderTraitsBlob.Of("First"))]);
            w.WriteEvent(0, new EventHeaderValues { ProviderId = p, Timestamp = 1_000_000_200 }, [],
                [new ExtendedDataItemValue(ExtendedDataType.ProviderTraits, ProviderTraitsBlob.Of("Second.Ünïcode"))]);
        }
        var names = new ProviderNames();
        using var reader = EtlReader.Open(path);
        Assert.True(reader.TryRead(out _)); // logfile header
        Assert.True(reader.TryRead(out var first));
        names.Learn(first);
        Assert.Equal("First", names.NameOf(p));
        Assert.True(reader.TryRead(out var second));
        names.Learn(second);
        Assert.Equal("Second.Ünïcode", names.NameOf(p));
        Assert.Equal(1, names.LearnedCount);

        // Seeing the same non-ASCII name again compares without allocating.
        names.Learn(second);
        NoAllocation.AssertMeasured(() =>
        {
            using var again = EtlReader.Open(path);
            again.TryRead(out _);
            again.TryRead(out _);
            Assert.True(again.TryRead(out var same));
            long before = GC.GetAllocatedBytesForCurrentThread();
            names.Learn(same);
            return GC.GetAllocatedBytesForCurrentThread() - before;
        });
        Assert.Equal("Second.Ünïcode", names.NameOf(p));
    }

    [Fact]
    public void Learned_names_are_bounded()
    {
        using var dir = new TempDir();
        string path = dir.File("many.etl");
        var traits = ProviderTraitsBlob.Of("P");
        var bytes = new byte[16];
        using (var w = EtlWriter.Create(path, new EtlWriterOptions { ProcessorCount = 1, BufferSize = 1 << 20 }))
        {
            for (int i = 0; i <= ProviderNames.MaxLearned; i++)
            {
                BinaryPrimitives.WriteInt32LittleEndian(bytes, i + 1);
                w.WriteEvent(0, new EventHeaderValues { ProviderId = new Guid(bytes), Timestamp = 1_000_000_100 + i }, [],
                    [new ExtendedDataItemValue(ExtendedDataType.ProviderTraits, traits)]);
            }
        }
        var names = new ProviderNames();
        using var reader = EtlReader.Open(path);
        while (reader.TryRead(out var r)) names.Learn(r);
        Assert.Equal(ProviderNames.MaxLearned, names.LearnedCount);
        BinaryPrimitives.WriteInt32LittleEndian(bytes, ProviderNames.MaxLearned + 1);
        Assert.False(names.TryGetLearned(new Guid(bytes), out _));
        BinaryPrimitives.WriteInt32LittleEndian(bytes, 1);
        Assert.True(names.TryGetLearned(new Guid(bytes), out var firstName));
        Assert.Equal("P", firstName);
    }

    // ---- the real traces ----------------------------------------------------------------------------------------

    [SharedSamplesTheory]
    [InlineData("airbus_AMSITrace", "8e805eb3-6a8f-4a1e-90fa-a831d94e54a1", "AmsiTrace")]
    [InlineData("perfview_SelfDescribingSingleEvent", "a61ea624-4944-55fc-c2a8-37838829438d", "MySource")]
    [InlineData("airbus_lxcore_kernel", "0cd1c309-0878-4515-83db-749843b3f5c9", "Microsoft.Windows.Subsystem.LxCore")]
    [InlineData("perfview_primitive-types", "d3dd3dd4-aac2-4e2a-8dd4-a8fb61b77615", "solar_system")]
    [InlineData("trailofbits_ms-rpc-capture-arrays", "a8a71ac1-040f-54a2-07ca-00a89b5ab761", "PerfView")]
    public void TraceLogging_providers_are_named_by_their_traits(string trace, string guid, string name)
    {
        var names = LearnAll(trace);
        Assert.True(names.TryGetLearned(new Guid(guid), out var learned));
        Assert.Equal(name, learned);
        Assert.Equal(name, names.NameOf(new Guid(guid)));
    }

    [SharedSamplesFact]
    public void Traits_in_real_traces_hash_to_their_provider_when_the_guid_is_name_based()
    {
        // MySource's and PerfView's GUIDs are their names' hash: a second check that the name bytes were read right.
        foreach (var (trace, guid) in new[] { ("perfview_SelfDescribingSingleEvent", "a61ea624-4944-55fc-c2a8-37838829438d"),
                     ("trailofbits_ms-rpc-capture-arrays", "a8a71ac1-040f-54a2-07ca-00a89b5ab761") })
        {
            var names = LearnAll(trace);
            Assert.True(names.TryGetLearned(new Guid(guid), out var learned));
            Assert.Equal(new Guid(guid), EventSourceGuid(learned));
        }
    }

    [SharedSamplesFact]
    public void LxCore_traits_carry_the_telemetry_group()
    {
        using var reader = EtlReader.Open(SharedSamples.PathOf("airbus_lxcore_kernel.etl"));
        int found = 0;
        while (reader.TryRead(out var r))
            foreach (var item in r.ExtendedData)
                if (item.Type == ExtendedDataType.ProviderTraits)
                {
                    Assert.True(TraceLoggingTraits.TryGetProviderGroup(item.Data, out var group));
                    Assert.Equal(new Guid("4f50731a-89cf-4782-b3e0-dce8c90476ba"), group);
                    found++;
                }
        Assert.Equal(2, found);
    }

    [SharedSamplesFact]
    public void Relogged_metadata_names_the_rpc_provider()
    {
        var names = LearnAll("trailofbits_ms-rpc-capture-arrays");
        Assert.True(names.TryGetLearned(new Guid("6ad52b32-d609-4be9-ae07-ce8dae937e39"), out var rpc));
        Assert.Equal("Microsoft-Windows-RPC", rpc);
        Assert.Equal(2, names.LearnedCount);
    }

    [SharedSamplesFact]
    public void Relogged_metadata_names_every_manifest_provider_of_the_perfview_trace()
    {
        var names = LearnAll("perfview_net.4.5.2.x64");
        var expected = new Dictionary<Guid, string>
        {
            [new("e13c0d23-ccbc-4e12-931b-d9cc2eee27e4")] = "Microsoft-Windows-DotNETRuntime",
            [new("a669021c-c450-4609-a035-5af59af4df18")] = "Microsoft-Windows-DotNETRuntimeRundown",
            [new("b675ec37-bdb6-4648-bc92-f3fdc74d3ca2")] = "Microsoft-Windows-Kernel-EventTracing",
            [new("315a8872-923e-4ea2-9889-33cd4754bf64")] = "Microsoft-Windows-Immersive-Shell",
            [new("edd08927-9cc4-4e65-b970-c2560fb5c289")] = "Microsoft-Windows-Kernel-File",
            [new("22fb2cd6-0e7b-422b-a0c7-2fad1fd0e716")] = "Microsoft-Windows-Kernel-Process",
            [new("1c95126e-7eea-49a9-a3fe-a378b03ddb4d")] = "Microsoft-Windows-DNS-Client",
        };
        Assert.Equal(expected.OrderBy(p => p.Key), names.Learned.OrderBy(p => p.Key));
    }

    public static IEnumerable<object[]> TraceNames() => SharedSamples.TraceNames();

    /// <summary>
    /// Every record of every sample gets a name and a GUID; where the trace names a provider that the table also
    /// names, the two agree; and a second pass of Learn over the same records allocates nothing.
    /// </summary>
    [SharedSamplesTheory]
    [MemberData(nameof(TraceNames))]
    public void Every_record_of_the_samples_is_named(string trace)
    {
        var names = LearnAll(trace);
        foreach (var (guid, learned) in names.Learned)
            if (WellKnownProviders.TryGetName(guid, out var known))
                Assert.Equal(known, learned);

        // Learning names already known allocates nothing.
        long unnamed = 0;
        NoAllocation.AssertMeasured(() =>
        {
            using var reader = EtlReader.Open(SharedSamples.PathOf(trace + ".etl"));
            long allocated = 0;
            unnamed = 0;
            while (reader.TryRead(out var r))
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                names.Learn(r);
                allocated += GC.GetAllocatedBytesForCurrentThread() - before;
                if (names.NameOf(r) is null || names.GuidOf(r) == Guid.Empty) unnamed++;
            }
            return allocated;
        });
        Assert.Equal(0, unnamed);
    }

    /// <summary>
    /// Counting the perfview_net records by our names gives PerfView's own counts (its baseline) for every provider
    /// and kernel class that PerfView decodes in full.
    /// </summary>
    [SharedSamplesFact]
    public void Record_counts_by_name_match_the_perfview_baseline()
    {
        const string trace = "perfview_net.4.5.2.x64";
        var names = new ProviderNames();
        var ours = new Dictionary<string, int>();
        using (var reader = EtlReader.Open(SharedSamples.PathOf(trace + ".etl")))
            while (reader.TryRead(out var r))
            {
                names.Learn(r);
                string name = names.NameOf(r) ?? "?";
                ours[name] = ours.GetValueOrDefault(name) + 1;
            }

        var theirs = new Dictionary<string, int>();
        foreach (var line in File.ReadLines(SharedSamples.PathOf(trace + ".baseline.txt")))
        {
            var m = Regex.Match(line, @"^COUNT (.+):(\d+)$");
            if (!m.Success) continue;
            var parts = m.Groups[1].Value.Split('/');
            string key = parts[0] is "Windows Kernel" or "KernelTraceControl" ? parts[0] + "/" + parts[1] : parts[0];
            theirs[key] = theirs.GetValueOrDefault(key) + int.Parse(m.Groups[2].Value);
        }

        var pairs = new (string Ours, string Theirs)[]
        {
            ("TcpIp", "Windows Kernel/TcpIp"), ("UdpIp", "Windows Kernel/UdpIp"), ("DiskIo", "Windows Kernel/DiskIO"),
            ("Process", "Windows Kernel/Process"), ("PageFault", "Windows Kernel/Memory"),
            ("EventTrace", "Windows Kernel/EventTrace"),
            ("KernelTraceControl/SystemConfigEx", "Windows Kernel/SysConfig"),
            ("KernelTraceControl/ImageID", "KernelTraceControl/ImageID"),
            ("KernelTraceControl/MetaData", "KernelTraceControl/MetaData"),
            ("PerfView", "PerfView"), ("Microsoft-Windows-Kernel-File", "Microsoft-Windows-Kernel-File"),
            ("Microsoft-Windows-Kernel-Process", "Microsoft-Windows-Kernel-Process"),
            ("Microsoft-Windows-DNS-Client", "Microsoft-Windows-DNS-Client"),
            ("Microsoft-Windows-Kernel-EventTracing", "Microsoft-Windows-Kernel-EventTracing"),
            ("Microsoft-Windows-Immersive-Shell", "Microsoft-Windows-Immersive-Shell"),
            ("Microsoft-Windows-DotNETRuntimePrivate", "Microsoft-Windows-DotNETRuntimePrivate"),
            ("System.Threading.Tasks.TplEventSource", "System.Threading.Tasks.TplEventSource"),
            ("System.Diagnostics.Eventing.FrameworkEventSource", "System.Diagnostics.Eventing.FrameworkEventSource"),
        };
        foreach (var (o, t) in pairs)
        {
            Assert.True(theirs.ContainsKey(t), $"baseline has no {t}");
            Assert.True(ours.GetValueOrDefault(o) == theirs[t], $"{o}: {ours.GetValueOrDefault(o)} records, PerfView's {t}: {theirs[t]}");
        }
        Assert.Equal(490, ours["TcpIp"]);
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    private static ProviderNames LearnAll(string trace)
    {
        var names = new ProviderNames();
        using var reader = EtlReader.Open(SharedSamples.PathOf(trace + ".etl"));
        while (reader.TryRead(out var r)) names.Learn(r);
        return names;
    }

    // A TRACE_EVENT_INFO with no properties: the 112-byte fixed part, then the provider name at nameOffset.
    private static byte[] EventInfo(Guid provider, string name, int nameOffset)
    {
        var nameBytes = Encoding.Unicode.GetBytes(name + "\0");
        var bytes = new byte[nameOffset + nameBytes.Length];
        provider.TryWriteBytes(bytes);
        bytes[32] = 5; // EventDescriptor.Id
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(48), 0); // DecodingSourceXMLFile
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(52), (uint)nameOffset);
        nameBytes.CopyTo(bytes, nameOffset);
        return bytes;
    }

    private static byte[] With(byte[] bytes, int at, uint value)
    {
        var copy = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(at), value);
        return copy;
    }

    // EventSource's name-based GUID: SHA-1 over a fixed namespace and the upper-cased name in UTF-16BE, first 16
    // bytes, version nibble 5.
    private static Guid EventSourceGuid(string name)
    {
        byte[] ns = Convert.FromHexString("482C2DB2C39047C887F81A15BFC130FB");
        byte[] hash = SHA1.HashData(ns.Concat(Encoding.BigEndianUnicode.GetBytes(name.ToUpperInvariant())).ToArray());
        hash[7] = (byte)((hash[7] & 0x0F) | 0x50);
        return new Guid(hash.AsSpan(0, 16));
    }
}
