namespace Sockscope.Decoding.Values;

/// <summary>
/// The texts of one event's fields kept while its JSON is written, so its message need not format them again: the
/// JSON line formats each value first, and for the families whose text is the value (<see cref="ValueForms.TextIsValue"/>)
/// the message's insert is the same bytes. Owned by one <see cref="FieldFormatter"/>: it keeps a value as its fast path
/// writes it and serves it back to <see cref="FieldFormatter.FormatText"/>, between
/// <see cref="FieldFormatter.RememberTexts"/> and <see cref="FieldFormatter.ForgetTexts"/> (outside them nothing is
/// kept or served). Not thread-safe, as its owner is not.
/// </summary>
internal sealed class RememberedTexts
{
    private byte[] _bytes = new byte[1024];
    private int _used;
    // Start + 1 of each field's text (0: nothing kept), and its length.
    private int[] _at = new int[64];
    private int[] _length = new int[64];
    private int _fields;

    /// <summary>True between <see cref="Begin"/> and <see cref="End"/>.</summary>
    public bool Active { get; private set; }

    /// <summary>Starts an event: forgets the last one's texts.</summary>
    public void Begin()
    {
        Clear();
        Active = true;
    }

    /// <summary>Ends the event.</summary>
    public void End()
    {
        Clear();
        Active = false;
    }

    /// <summary>Keeps the text of field <paramref name="index"/> (only while <see cref="Active"/>).</summary>
    public void Keep(int index, ReadOnlySpan<byte> text)
    {
        if (!Active) return;
        if (index >= _at.Length)
        {
            Array.Resize(ref _at, Math.Max(index + 1, _at.Length * 2));
            Array.Resize(ref _length, _at.Length);
        }
        if (_used + text.Length > _bytes.Length) Array.Resize(ref _bytes, Math.Max(_used + text.Length, _bytes.Length * 2));
        text.CopyTo(_bytes.AsSpan(_used));
        _at[index] = _used + 1;
        _length[index] = text.Length;
        _used += text.Length;
        _fields = Math.Max(_fields, index + 1);
    }

    /// <summary>The text kept for field <paramref name="index"/> in this event, if any.</summary>
    public bool TryGet(int index, out ReadOnlySpan<byte> text)
    {
        if (Active && index < _fields && _at[index] > 0)
        {
            text = _bytes.AsSpan(_at[index] - 1, _length[index]);
            return true;
        }
        text = default;
        return false;
    }

    private void Clear()
    {
        if (_fields > 0) Array.Clear(_at, 0, _fields);
        _fields = 0;
        _used = 0;
    }
}
