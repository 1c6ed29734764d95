using System.Buffers.Binary;
using System.Text;

namespace Sockscope.Tests.Support;

/// <summary>The bytes of a provider-traits extended data item, as TraceLogging providers log them.</summary>
public static class ProviderTraitsBlob
{
    /// <summary>
    /// The blob: its total size (u16), the provider's name in UTF-8 ending in a zero, then each trait as its size
    /// (u16, counting itself and the type), its type and its data.
    /// </summary>
    public static byte[] Of(string name, params (byte Type, byte[] Data)[] traits)
    {
        var blob = new List<byte> { 0, 0 };
        blob.AddRange(Encoding.UTF8.GetBytes(name));
        blob.Add(0);
        foreach (var (type, data) in traits)
        {
            int size = 3 + data.Length;
            blob.Add((byte)size);
            blob.Add((byte)(size >> 8));
            blob.Add(type);
            blob.AddRange(data);
        }
        var bytes = blob.ToArray();
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, (ushort)bytes.Length);
        return bytes;
    }
}
