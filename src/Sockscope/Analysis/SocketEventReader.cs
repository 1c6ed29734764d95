using System.Globalization;
using Sockscope.Decoding;
using Sockscope.Etl;

namespace Sockscope.Analysis;

/// <summary>
/// Lifts what the socket analysis reads out of decoded Winsock events (fields found by name, once per schema) and
/// kernel Process events, into <see cref="SocketEvent"/>s. Not thread-safe; one per reading thread.
/// </summary>
public sealed class SocketEventReader
{
    internal static readonly Guid Afd = new("E53C6823-7BB8-44BB-90DC-3F86090D48A6");
    internal static readonly Guid Sockets = new("BDE46AEA-2357-51FE-7367-D5296F530BD1");

    private readonly EventRoles _roles = new();

    // The manifests of newer builds dropped these maps; the values are those of the Windows 7 manifest.
    private static readonly Dictionary<ulong, string> DropReasons = Windows7Map("AFD_DGRAM_DROP_ValueMap");
    private static readonly Dictionary<ulong, string> AfdOptions = Windows7Map("AFD_OPTION_ValueMap");
    private static readonly Dictionary<ulong, string> AbortReasons = Windows7Map("AFD_ABORT_ValueMap");

    private static Dictionary<ulong, string> Windows7Map(string name) =>
        Schema.SchemaCatalog.Winsock.Find(Afd)!.Maps.GetValueOrDefault(name)?.Entries.ToDictionary(e => e.Key, e => e.Value) ?? new();

    /// <summary>
    /// Fills <paramref name="e"/> from a decoded event; false (and <paramref name="e"/> left as it was) when the
    /// event is from neither Winsock-AFD nor Winsock-Sockets.
    /// </summary>
    public bool TryRead(in EtlRecord record, in DecodedEvent decoded, ref SocketEvent e)
    {
        var provider = decoded.Schema.Provider.Guid;
        SocketEventSource source;
        if (provider == Afd) source = record.Id >= 1000 ? SocketEventSource.Afd : SocketEventSource.AfdLegacy;
        else if (provider == Sockets) source = SocketEventSource.Sockets;
        else return false;
        var r = new RoleReader(decoded, _roles.Of(decoded.Schema));
        ushort id = record.Id;
        e.Source = source;
        e.Id = id;
        e.Stamp = record.Timestamp;
        e.HeaderProcessId = record.ProcessId;
        e.Present = SocketEventFields.None;
        e.Text = null;
        e.Exit = r.Number(Role.EnterExit) == 1;
        e.Process = r.Number(Role.Process);
        e.Status = (uint)r.Number(Role.Status);
        e.Location = (uint)r.Number(Role.Location);
        e.Buffer = r.Number(Role.Buffer);
        e.Length = r.Number(Role.BufferLength);
        e.Value = r.Number(Role.Value);
        e.Backlog = r.Number(Role.Backlog);
        e.Family = (int)r.Number(Role.AddressFamily);
        e.SocketType = (int)r.Number(Role.SocketType);
        e.Protocol = (int)r.Number(Role.Protocol);
        if (r.Has(Role.AddressFamily)) e.Present |= SocketEventFields.Family;
        if (r.Has(Role.SocketType)) e.Present |= SocketEventFields.SocketType;
        if (r.Has(Role.Protocol)) e.Present |= SocketEventFields.Protocol;
        if (r.Has(Role.Backlog)) e.Present |= SocketEventFields.Backlog;
        SetAddress(ref e, r.Bytes(Role.Address), r.Has(Role.Address));
        switch (source)
        {
            case SocketEventSource.Afd:
                e.Endpoint = r.Number(Role.Endpoint);
                e.Error = 0;
                e.Other = r.Number(Role.AcceptEndpoint);
                SetProcessId(ref e, r, Role.ProcessId);
                if (id == 1032) e.Text = Text(r, Role.Reason, AbortReasons);
                else if (id == 1033) e.Text = Text(r, Role.Reason, DropReasons);
                else if (id == 1035) e.Text = Text(r, Role.Option, AfdOptions);
                break;
            case SocketEventSource.AfdLegacy:
                e.Endpoint = r.Number(id is 35 or 36 ? Role.ListenEndpoint : Role.Endpoint);
                e.Error = (uint)r.Number(Role.Error);
                e.Other = 0;
                SetProcessId(ref e, r, Role.UserModePid);
                if (id is 33 or 34) e.Length = r.Number(Role.PacketSize);
                var port = r.Bytes(Role.Port);
                if (port.Length == 2)
                {
                    e.Port = (ushort)(port[0] << 8 | port[1]);
                    e.Present |= SocketEventFields.Port;
                }
                if (id is 7 or 8) e.Text = Text(r, Role.Reason, AbortReasons);
                else if (id is 33 or 34) e.Text = Text(r, Role.Reason, DropReasons);
                else if (id == 29) e.Text = Text(r, Role.Option, AfdOptions);
                break;
            default:
                e.Endpoint = r.Number(id == 6 ? Role.SocketAccepted : Role.Socket);
                e.Error = (uint)r.Number(Role.ErrorCode);
                e.Other = r.Number(Role.SocketListening);
                SetProcessId(ref e, r, Role.ProcessId);
                break;
        }
        return true;
    }

    /// <summary>
    /// Fills <paramref name="e"/> from a kernel Process start or rundown event that names an image; false (and
    /// <paramref name="e"/> left as it was) for every other record.
    /// </summary>
    public static bool TryReadProcess(in EtlRecord record, ref SocketEvent e)
    {
        if (!record.Family.IsKernelKind() || record.Group != 3 || record.Opcode is not (1 or 3 or 4 or 39)) return false;
        ProcessTable.TryParse(record.UserData, record.PointerSize, record.Version, out ulong key, out uint pid, out string? image);
        if (image is null) return false;
        e = default;
        e.Source = SocketEventSource.Process;
        e.Stamp = record.Timestamp;
        e.HeaderProcessId = record.ProcessId;
        e.Process = key;
        e.ProcessId = pid;
        e.Text = image;
        return true;
    }

    private static void SetProcessId(ref SocketEvent e, RoleReader r, Role role)
    {
        e.ProcessId = r.Number(role);
        if (r.Has(role)) e.Present |= SocketEventFields.ProcessId;
    }

    private static void SetAddress(ref SocketEvent e, ReadOnlySpan<byte> bytes, bool present)
    {
        if (!present)
        {
            e.AddressLength = 0;
            return;
        }
        int n = Math.Min(bytes.Length, AddressBytes.Length);
        bytes[..n].CopyTo(e.Address);
        e.AddressLength = (byte)n;
        e.Present |= SocketEventFields.Address;
    }

    // A value map of the event's own manifest first, then the Windows 7 manifest's (newer builds dropped the maps).
    private static string Text(RoleReader r, Role role, IReadOnlyDictionary<ulong, string> fallback)
    {
        int index = r.Index(role);
        if (index < 0 || !r.Event.Has(index)) return "";
        ulong value = r.Event.Number(index);
        return r.Event.Field(index).Map?.Lookup(value)
            ?? (fallback.TryGetValue(value, out var text) ? text : value.ToString(CultureInfo.InvariantCulture));
    }
}
