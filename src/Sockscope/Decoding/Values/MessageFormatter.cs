using System.Buffers;
using System.Text;

namespace Sockscope.Decoding.Values;

/// <summary>
/// Fills a manifest message's inserts (%1 … %n, each the text of field n; %% and %n! formats included) with the
/// values a person reads; an event without a message gets its task name.
/// </summary>
public sealed class MessageFormatter
{
    private readonly FieldFormatter _fields;
    private readonly ArrayBufferWriter<byte> _text = new(256);

    /// <summary>Creates a formatter that renders values with <paramref name="fields"/>.</summary>
    public MessageFormatter(FieldFormatter fields) => _fields = fields;

    /// <summary>The message as UTF-8, valid until the next call.</summary>
    public ReadOnlySpan<byte> Format(in DecodedEvent e)
    {
        _text.ResetWrittenCount();
        string? template = e.Schema.Message;
        if (template is null)
        {
            Append(e.Schema.TaskName);
            return _text.WrittenSpan;
        }
        int i = 0;
        while (i < template.Length)
        {
            int percent = template.IndexOf('%', i);
            if (percent < 0 || percent + 1 >= template.Length)
            {
                Append(template.AsSpan(i));
                break;
            }
            Append(template.AsSpan(i, percent - i));
            char next = template[percent + 1];
            if (char.IsAsciiDigit(next))
            {
                int j = percent + 1, number = 0;
                while (j < template.Length && char.IsAsciiDigit(template[j]) && number < 1000) number = number * 10 + (template[j++] - '0');
                // "%1!s!"-style format specifiers are dropped: the field's own rendering applies.
                if (j < template.Length && template[j] == '!')
                {
                    int close = template.IndexOf('!', j + 1);
                    if (close > 0) j = close + 1;
                }
                int index = number - 1;
                if (index >= 0 && index < e.Count) _text.Write(_fields.FormatText(e, index));
                i = j;
            }
            else
            {
                // "%%" is a percent sign; "%n", "%t", "%r" are layout escapes Windows renders as line break, tab, return.
                Append(next switch { '%' => "%", 'n' => " ", 't' => "\t", 'r' => "", _ => "%" + next });
                i = percent + 2;
            }
        }
        return _text.WrittenSpan;
    }

    private void Append(ReadOnlySpan<char> s)
    {
        var span = _text.GetSpan(Encoding.UTF8.GetMaxByteCount(s.Length));
        int n = Encoding.UTF8.GetBytes(s, span);
        _text.Advance(n);
    }
}
