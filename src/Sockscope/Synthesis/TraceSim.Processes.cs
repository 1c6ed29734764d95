using System.Buffers.Binary;
using System.Text;
using Sockscope.Etl;
using Sockscope.Events;

namespace Sockscope.Synthesis;

/// <summary>The processes of the synthesised machine and their kernel Process events (rundown, start, end).</summary>
internal sealed partial class TraceSim
{
    public enum Account { User, System, LocalService, NetworkService }

    /// <summary>Declares a process; it is in the rundown (DCStart) unless <paramref name="startsLater"/>.</summary>
    public SimProcess Process(string name, uint pid, string commandLine, uint parent, bool wow64 = false,
        Account account = Account.User, bool startsLater = false, int threads = 4)
    {
        int index = _processes.Count;
        var tids = new uint[threads];
        uint baseTid = ((pid * 3u + 0x1000u) & ~3u) + 4u * (uint)index;
        for (int i = 0; i < threads; i++) tids[i] = baseTid + 4u * (uint)(i * 7 + 1);
        var truth = new ProcessTruth
        {
            ProcessId = pid,
            ProcessObject = PointerSize == 8 ? 0xFFFF_9A0C_0E20_0080UL + (ulong)index * 0x1_0340 : 0x8512_3040UL + (ulong)index * 0x1_02C0,
            ImageName = name,
            CommandLine = commandLine,
            ParentId = parent,
            Is32Bit = wow64 || PointerSize == 4,
            Preexisting = !startsLater,
        };
        var p = new SimProcess
        {
            Name = name,
            CommandLine = commandLine,
            Pid = pid,
            ParentId = parent,
            Session = account == Account.User ? 1u : 0u,
            Wow64 = wow64 && PointerSize == 8,
            StartsLater = startsLater,
            Index = index,
            EProcess = truth.ProcessObject,
            DirectoryTableBase = 0x1AD000UL + (ulong)index * 0x3_1000,
            Sid = account switch
            {
                Account.System => Sid(5, 18),
                Account.LocalService => Sid(5, 19),
                Account.NetworkService => Sid(5, 20),
                _ => Sid(5, 21, 1004336348, 1177238915, 682003330, 1001),
            },
            Threads = pid == SystemProcess.Id ? SystemThreads : tids,
            Truth = truth,
        };
        _processes.Add(p);
        Truth.Processes.Add(truth);
        return p;
    }

    private static byte[] Sid(byte authority, params uint[] subAuthorities)
    {
        var sid = new byte[8 + 4 * subAuthorities.Length];
        sid[0] = 1;
        sid[1] = (byte)subAuthorities.Length;
        sid[7] = authority;
        for (int i = 0; i < subAuthorities.Length; i++) BinaryPrimitives.WriteUInt32LittleEndian(sid.AsSpan(8 + 4 * i), subAuthorities[i]);
        return sid;
    }

    /// <summary>Writes the rundown: a DCStart of every process already running.</summary>
    public void Rundown()
    {
        foreach (var p in _processes)
        {
            if (p.StartsLater) continue;
            p.Running = true;
            WriteProcessEvent(p, 3);
        }
    }

    /// <summary>A process started during the trace: its Start event.</summary>
    public void StartProcess(SimProcess p)
    {
        if (p.Running) return;
        p.Running = true;
        Wait(200, 2000);
        WriteProcessEvent(p, 1);
    }

    // Process_V3/V4_TypeGroup1 (MOF "Process" class, group 0x03): UniqueProcessKey (pointer: the EPROCESS), ProcessId,
    // ParentId, SessionId, ExitStatus, DirectoryTableBase (pointer), Flags (V4 only), UserSID (a TOKEN_USER — SID pointer
    // and attributes, two pointers' room — then the SID), ImageFileName (ANSI), CommandLine (UTF-16), and in V4
    // PackageFullName and ApplicationId (UTF-16). Checked against TraceEvent's KernelTraceEventParser (image name at
    // SkipSID(HostOffset(28, 2)) in V4, HostOffset(24, 2) in V3; SkipSID steps over HostOffset(8, 2) then the SID).
    private void WriteProcessEvent(SimProcess p, byte opcode)
    {
        var d = _payload.AsSpan();
        int o = 0;
        void Pointer(Span<byte> s, ulong v)
        {
            if (PointerSize == 8) { BinaryPrimitives.WriteUInt64LittleEndian(s[o..], v); o += 8; }
            else { BinaryPrimitives.WriteUInt32LittleEndian(s[o..], (uint)v); o += 4; }
        }
        void U32(Span<byte> s, uint v) { BinaryPrimitives.WriteUInt32LittleEndian(s[o..], v); o += 4; }
        Pointer(d, p.EProcess);
        U32(d, p.Pid);
        U32(d, p.ParentId);
        U32(d, p.Session);
        U32(d, opcode is 2 or 4 && !p.Running ? 0u : 259u); // STILL_ACTIVE while running
        Pointer(d, p.DirectoryTableBase);
        if (_processVersion >= 4) U32(d, p.Wow64 ? 2u : 0u); // TraceEvent's ProcessFlags: Wow64 = 2
        Pointer(d, p.EProcess + 0x4B0); // TOKEN_USER.User.Sid
        U32(d, 0); // Attributes
        if (PointerSize == 8) U32(d, 0); // padding to two pointers
        p.Sid.CopyTo(d[o..]);
        o += p.Sid.Length;
        o += Encoding.ASCII.GetBytes(p.Name, d[o..]);
        d[o++] = 0;
        o += Encoding.Unicode.GetBytes(p.CommandLine, d[o..]);
        d[o++] = 0; d[o++] = 0;
        if (_processVersion >= 4)
        {
            d[o++] = 0; d[o++] = 0; // PackageFullName ""
            d[o++] = 0; d[o++] = 0; // ApplicationId ""
        }
        long stamp = NextStamp();
        uint headerPid = opcode == 1 ? p.ParentId : p.Pid;
        _writer.WriteKernelEvent(ProcessorOf(p.Threads[0]), PointerSize == 8 ? TraceHeaderType.System64 : TraceHeaderType.System32,
            3, opcode, (ushort)_processVersion, opcode == 1 ? 0u : p.Threads[0], headerPid, stamp, d[..o]);
        var key = new EventKey(KernelEventGroups.Process, opcode);
        _kernelCounts[key] = _kernelCounts.GetValueOrDefault(key) + 1;
        Events++;
    }
}
