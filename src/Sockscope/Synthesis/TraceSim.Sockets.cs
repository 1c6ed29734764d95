namespace Sockscope.Synthesis;

/// <summary>The sockets of the synthesised machine: their endpoints, handles and buffers.</summary>
internal sealed partial class TraceSim
{
    /// <summary>A new socket of a process (not yet created: call <see cref="Create"/>).</summary>
    public SimSocket NewSocket(SimProcess p, int family, int type, int protocol, ulong endpoint = 0)
    {
        int slot = p.NextBufferSlot++;
        ulong buffer = p.Wow64 || PointerSize == 4
            ? 0x0A00_0000UL + (ulong)(slot % 2048) * 0x4000 + (ulong)p.Index * 0x10
            : 0x0000_01D3_0000_0000UL + (ulong)p.Index * 0x10_0000_0000UL + (ulong)(slot % 65536) * 0x1_0000;
        return new SimSocket
        {
            P = p,
            Endpoint = endpoint != 0 ? endpoint : NewEndpoint(),
            Family = family,
            Type = type,
            Protocol = protocol,
            Thread = p.Thread(Rng.Next(p.Threads.Length)),
            Buffer = buffer,
        };
    }

    /// <summary>A socket that was open before the trace began: it has a handle, but no create, bind or connect.</summary>
    public SimSocket Preexisting(SimProcess p, int family, int type, int protocol)
    {
        var s = NewSocket(p, family, type, protocol);
        s.Handle = p.NewHandle();
        return s;
    }

    private ulong NewEndpoint()
    {
        if (RecycleEndpoints && _freeEndpoints.Count > 64) return _freeEndpoints.Dequeue();
        return _endpointBase + (ulong)_nextEndpoint++ * 0x200;
    }

    private ulong NewKernelBuffer() => _kernelBufferBase + (ulong)(_kernelBuffers++ % 65536) * (PointerSize == 8 ? 0x800UL : 0x400UL);
}
