using System.Buffers;

namespace Sockscope.Decoding.Values;

/// <summary>Text that can go into a JSON string as it is: valid UTF-8 with no quote, backslash or control character.</summary>
internal static class PlainJsonText
{
    private static readonly SearchValues<byte> NeedsEscape = SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Select(b => (byte)b), (byte)'"', (byte)'\\', 0x7F]);

    /// <summary>True when <paramref name="text"/> needs no escaping in a JSON string.</summary>
    public static bool Is(ReadOnlySpan<byte> text) =>
        text.IndexOfAny(NeedsEscape) < 0 && System.Text.Unicode.Utf8.IsValid(text);
}
