using System.Buffers.Binary;
using System.Text;

namespace Sockscope.Analysis;

/// <summary>
/// Process image names from the kernel's Process events (group 3: Start 1, End 2, DCStart 3, DCEnd 4), by process id
/// and by EPROCESS pointer (UniqueProcessKey), which AFD events carry as their Process field.
/// </summary>
internal sealed class ProcessTable
{
    private const int MaxProcesses = 1 << 20;
    private readonly Dictionary<uint, string> _byId = new();
    private readonly Dictionary<ulong, (uint Id, string Name)> _byObject = new();

    /// <summary>Names a process by id and EPROCESS pointer (0 when not known).</summary>
    public void Add(ulong processObject, uint processId, string image)
    {
        if (_byId.Count >= MaxProcesses && !_byId.ContainsKey(processId)) return;
        _byId[processId] = image;
        if (processObject != 0 && (_byObject.Count < MaxProcesses || _byObject.ContainsKey(processObject))) _byObject[processObject] = (processId, image);
    }

    /// <summary>The image name of a process id, or null.</summary>
    public string? NameOf(uint processId) => _byId.GetValueOrDefault(processId);

    /// <summary>The process id and image of an EPROCESS pointer, when the trace named it.</summary>
    public bool TryGetByObject(ulong processObject, out uint processId, out string name)
    {
        if (_byObject.TryGetValue(processObject, out var p))
        {
            processId = p.Id;
            name = p.Name;
            return true;
        }
        processId = 0;
        name = "";
        return false;
    }

    /// <summary>
    /// Reads Process_V2/V3/V4 TypeGroup1: UniqueProcessKey (pointer), ProcessId, ParentId, SessionId, ExitStatus,
    /// DirectoryTableBase (pointer, V3+), Flags (V4+), UserSID (0, or a TOKEN_USER of two pointers and a SID),
    /// ImageFileName (8-bit, NUL-terminated).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> p, int pointerSize, int version, out ulong key, out uint pid, out string? image)
    {
        key = 0;
        pid = 0;
        image = null;
        int at = 0;
        if (version < 2 || p.Length < pointerSize + 16) return false;
        key = pointerSize == 8 ? BinaryPrimitives.ReadUInt64LittleEndian(p) : BinaryPrimitives.ReadUInt32LittleEndian(p);
        at += pointerSize;
        pid = BinaryPrimitives.ReadUInt32LittleEndian(p[at..]);
        at += 16; // ProcessId, ParentId, SessionId, ExitStatus
        if (version >= 3) at += pointerSize;
        if (version >= 4) at += 4;
        if (at + 4 > p.Length) return false;
        if (BinaryPrimitives.ReadUInt32LittleEndian(p[at..]) == 0) at += 4;
        else
        {
            at += 2 * pointerSize;
            if (at + 8 > p.Length) return false;
            at += 8 + 4 * p[at + 1];
        }
        if (at >= p.Length) return false;
        int end = p[at..].IndexOf((byte)0);
        var name = end < 0 ? p[at..] : p.Slice(at, end);
        image = Encoding.Latin1.GetString(name);
        return true;
    }
}
