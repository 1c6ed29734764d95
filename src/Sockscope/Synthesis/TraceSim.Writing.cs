using Sockscope.Decoding.Values;
using Sockscope.Events;
using AfdId = Sockscope.Events.AfdEventIds;
using NameResolutionId = Sockscope.Events.NameResolutionEventIds;

namespace Sockscope.Synthesis;

/// <summary>Writing an event: the catalog's template of each provider's event, its header (process, thread, stamp, opcode, level, keywords) and its fields.</summary>
internal sealed partial class TraceSim
{
    private int ProcessorOf(uint tid) => (int)((tid >> 2) % (uint)Options.Processors);

    private uint AnySystemThread() => SystemThreads[Rng.Next(SystemThreads.Length)];

    private EventTemplate AfdTemplate(ushort id) => _afd[id] ??= new EventTemplate(
        _afdSchema.Find(id, 0, _afdLabel) ?? throw new InvalidOperationException($"the catalog has no AFD event {id}"),
        PointerSize, PointerSize == 4, OperationalChannel, id >= AfdId.Create ? ChannelKeyword : 0);

    private EventTemplate SocketsTemplate(ushort id, SimProcess p)
    {
        bool is32 = PointerSize == 4 || p.Wow64;
        var table = is32 ? _sockets32 : _sockets64;
        return table[id] ??= new EventTemplate(_socketsSchema.Find(id, 0, _socketsLabel)!, is32 ? 4 : 8, is32, OperationalChannel, 0);
    }

    private EventTemplate NamesTemplate(ushort id, SimProcess p)
    {
        bool is32 = PointerSize == 4 || p.Wow64;
        var table = is32 ? _names32 : _names64;
        return table[id - NameResolutionId.Query] ??= new EventTemplate(_namesSchema.Find(id, 0, _namesLabel)!, is32 ? 4 : 8, is32, 0, 0);
    }

    private long WriteEvent(EventTemplate t, uint pid, uint tid, int opcode = -1, int level = -1, ulong keywords = 0)
    {
        var h = t.Header;
        h.ProcessId = pid;
        h.ThreadId = tid;
        h.Timestamp = NextStamp();
        if (opcode >= 0) h.Opcode = (byte)opcode;
        if (level >= 0) h.Level = (byte)level;
        h.Keywords |= keywords;
        int n = t.Write(_d, _payload);
        _writer.WriteEvent(ProcessorOf(tid), h, _payload.AsSpan(0, n));
        t.Count++;
        Events++;
        return h.Timestamp;
    }

    /// <summary>Starts a 1000-series AFD event's data: EnterExit, Location, Process, Endpoint.</summary>
    private EventData AfdData(SimSocket s, int enterExit, int location) => _d.Clear()
        .Set(SimField.EnterExit, (ulong)enterExit).Set(SimField.Location, (ulong)location).Set(SimField.Process, s.P.EProcess).Set(SimField.Endpoint, s.Endpoint);

    /// <summary>
    /// Writes a 1000-series AFD event. Header process: the owner, or System for kernel completions. Opcode: the
    /// catalog's, but Open (10) on the entry of the events whose opcode is Connected (12), as BindWithAddress shows.
    /// Level 2 (Error) for an exit with a failing status, as afd.sys sets it. Keywords: the catalog's plus the
    /// channel bit and AFD_KW_STREAM / AFD_KW_DATAGRAM by socket type.
    /// </summary>
    private long WriteAfd(ushort id, SimSocket s, int enterExit, bool system, bool error = false, ulong keywords = 0)
    {
        var t = AfdTemplate(id);
        int opcode = enterExit == AfdEnterExit.Entry && t.Schema.Opcode.Value == ConnectedOpcode ? OpenOpcode : -1;
        ulong typeKeyword = s.Type == SocketTypes.Stream ? StreamKeyword : s.Type == SocketTypes.Datagram ? DatagramKeyword : 0;
        return system
            ? WriteEvent(t, SystemProcess.Id, AnySystemThread(), opcode, error ? ErrorLevel : -1, typeKeyword | keywords)
            : WriteEvent(t, s.P.Pid, s.Thread, opcode, error ? ErrorLevel : -1, typeKeyword | keywords);
    }

    /// <summary>Starts a Windows 7 AFD event's data: Process, Endpoint.</summary>
    private EventData LegacyAfdData(SimSocket s) => _d.Clear().Set(SimField.Process, s.P.EProcess).Set(SimField.Endpoint, s.Endpoint);

    private long WriteLegacyAfd(ushort id, SimSocket s, bool system) =>
        system ? WriteEvent(AfdTemplate(id), SystemProcess.Id, AnySystemThread()) : WriteEvent(AfdTemplate(id), s.P.Pid, s.Thread);

    private void WriteSocketsStart(ushort id, SimSocket s)
    {
        _d.Clear();
        WriteEvent(SocketsTemplate(id, s.P), s.P.Pid, s.Thread);
    }

    private void WriteSocketsStop(ushort id, SimSocket s)
    {
        WriteEvent(SocketsTemplate(id, s.P), s.P.Pid, s.Thread);
        if (s.Record is { } r && s.Handle != 0) r.SocketHandle = s.Handle;
    }
}
