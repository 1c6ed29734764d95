using System.Buffers.Binary;

namespace Sockscope.Events;

/// <summary>
/// Reads a provider traits blob: the EVENT_HEADER_EXT_TYPE_PROV_TRAITS extended data item that every TraceLogging
/// event carries, since a TraceLogging provider's name is nowhere else (no manifest). Layout, per Microsoft's
/// "Provider Traits" page: <c>UINT16 TraitsSize</c> (the whole blob, this field included), the NUL-terminated
/// UTF-8 provider name, then zero or more traits, each <c>UINT16 TraitSize</c> (itself included),
/// <c>UINT8 Type</c> (ETW_PROVIDER_TRAIT_TYPE; 1 = provider group, whose data is the group GUID) and data.
/// </summary>
/// <remarks>Never throws: a blob that breaks the layout is reported as having no name or no group.</remarks>
internal static class TraceLoggingTraits
{
    /// <summary>ETW_PROVIDER_TRAIT_TYPE EtwProviderTraitTypeGroup: the data is the provider group's GUID.</summary>
    public const byte GroupTraitType = 1;

    /// <summary>The provider name's UTF-8 bytes (without the NUL).</summary>
    /// <returns>false when the size field or the terminator is missing, or the name is empty.</returns>
    public static bool TryGetProviderName(ReadOnlySpan<byte> traits, out ReadOnlySpan<byte> utf8Name)
    {
        utf8Name = default;
        if (!TryGetBlob(traits, out var blob)) return false;
        var rest = blob[2..];
        int nul = rest.IndexOf((byte)0);
        if (nul <= 0) return false;
        utf8Name = rest[..nul];
        return true;
    }

    /// <summary>The provider group GUID from the first group trait.</summary>
    /// <returns>false when the blob has no well-formed group trait.</returns>
    public static bool TryGetProviderGroup(ReadOnlySpan<byte> traits, out Guid group)
    {
        group = Guid.Empty;
        if (!TryGetBlob(traits, out var blob)) return false;
        var rest = blob[2..];
        int nul = rest.IndexOf((byte)0);
        if (nul < 0) return false;
        rest = rest[(nul + 1)..];
        while (rest.Length >= 3)
        {
            int size = BinaryPrimitives.ReadUInt16LittleEndian(rest);
            if (size < 3 || size > rest.Length) return false;
            if (rest[2] == GroupTraitType && size >= 3 + 16)
            {
                group = new Guid(rest.Slice(3, 16));
                return true;
            }
            rest = rest[size..];
        }
        return false;
    }

    // The blob as its own size field bounds it; the item may be padded beyond that.
    private static bool TryGetBlob(ReadOnlySpan<byte> traits, out ReadOnlySpan<byte> blob)
    {
        blob = default;
        if (traits.Length < 3) return false;
        int size = BinaryPrimitives.ReadUInt16LittleEndian(traits);
        if (size < 3 || size > traits.Length) return false;
        blob = traits[..size];
        return true;
    }
}
