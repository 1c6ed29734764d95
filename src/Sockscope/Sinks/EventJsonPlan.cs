using System.Text.Encodings.Web;
using System.Text.Json;
using Sockscope.Decoding.Values;
using Sockscope.Schema;

namespace Sockscope.Sinks;

/// <summary>
/// What <see cref="EventJsonWriter"/> needs to know about one event schema's fields, looked up once: each field's
/// property name and status-name property encoded, its form and JSON route, whether its message text is its JSON
/// value and whether it may have a status name, and the room its direct values can take.
/// </summary>
internal sealed class EventJsonPlan
{
    /// <summary>Room kept for a status name (NTSTATUS and Win32 error symbols are identifiers far shorter).</summary>
    public const int MaxStatusNameLength = 128;

    /// <summary>Room for one directly formatted value, beyond three bytes for each of the payload's (see <see cref="Room"/>).</summary>
    private const int DirectValueRoom = 2 + 300; // quotes and AddressFormatter.MaxLength

    /// <summary><c>,"Name":</c> of each field.</summary>
    public readonly byte[][] Names;
    /// <summary><c>,"NameName":</c> of each field, for its status name.</summary>
    public readonly byte[][] StatusNames;
    /// <summary>Each field's schema.</summary>
    public readonly FieldSchema[] Fields;
    /// <summary>Each field's rendering family.</summary>
    public readonly ValueForm[] Forms;
    /// <summary>Each field's route to JSON.</summary>
    public readonly JsonRoute[] Routes;
    /// <summary>Each field's message text is its JSON value.</summary>
    public readonly bool[] TextIsValue;
    /// <summary>Each field may have a status name.</summary>
    public readonly bool[] MayHaveStatusName;
    /// <summary>The schema's message template, parsed once.</summary>
    public readonly MessageFormatter.Segment[] Message;

    /// <summary>
    /// Bytes that hold <c>event_data</c>'s direct part for any payload of <c>payload</c> bytes: this plus three
    /// bytes for each payload byte (a direct value takes at most <see cref="DirectValueRoom"/> plus three bytes a byte
    /// of its own, and no two fields of a template without structs or arrays share a byte).
    /// </summary>
    public readonly int Room;

    public EventJsonPlan(EventSchema schema, JavaScriptEncoder encoder, MessageFormatter.Segment[] message)
    {
        Message = message;
        Fields = [.. schema.Fields];
        int n = Fields.Length;
        Names = new byte[n][];
        StatusNames = new byte[n][];
        Forms = new ValueForm[n];
        Routes = new JsonRoute[n];
        TextIsValue = new bool[n];
        MayHaveStatusName = new bool[n];
        int room = 2;
        for (int i = 0; i < n; i++)
        {
            var f = Fields[i];
            Names[i] = PropertyPrefix(f.Name, encoder);
            StatusNames[i] = PropertyPrefix(f.Name + "Name", encoder);
            Forms[i] = ValueForms.Of(f);
            Routes[i] = FieldFormatter.JsonRouteOf(f);
            TextIsValue[i] = FieldFormatter.TextIsJsonValue(f);
            MayHaveStatusName[i] = FieldFormatter.MayHaveStatusName(f);
            room += Names[i].Length + DirectValueRoom;
            if (MayHaveStatusName[i]) room += StatusNames[i].Length + MaxStatusNameLength;
        }
        Room = room;
    }

    private static byte[] PropertyPrefix(string name, JavaScriptEncoder encoder) =>
        [(byte)',', (byte)'"', .. JsonEncodedText.Encode(name, encoder).EncodedUtf8Bytes, (byte)'"', (byte)':'];
}
