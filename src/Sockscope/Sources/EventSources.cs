using Sockscope.Etl;
using Sockscope.Schema;

namespace Sockscope.Sources;

/// <summary>
/// Opens an input of any kind the commands read, recognising the kind from the content: a file, or a stream read
/// once from front to back (a pipe, a FIFO, standard input, a device). The bytes read to recognise it are given back
/// to the reader, so nothing is opened or read twice.
/// </summary>
public static class EventSources
{
    /// <summary>
    /// Opens <paramref name="path"/>: an ETL file, or JSON lines of the catalog's format, SilkETW's or Sealighter's,
    /// as <paramref name="format"/> says or (for <see cref="InputFormat.Auto"/>) as the first lines show. A path that
    /// is no regular file (a FIFO, <c>/dev/stdin</c>, a process substitution) is read once, as a stream.
    /// </summary>
    /// <exception cref="EtlFormatException">The input is none of these.</exception>
    /// <exception cref="IOException">The path cannot be opened or read.</exception>
    /// <exception cref="UnauthorizedAccessException">The path may not be read.</exception>
    public static IEventSource Open(string path, InputFormat format = InputFormat.Auto, EtlReaderOptions? options = null, SchemaCatalog? catalog = null) =>
        Open(OpenFile(path), path, format, options, catalog);

    /// <summary>
    /// Opens the input in <paramref name="stream"/>, which the source owns from then on. A stream that seeks and is
    /// a file (<see cref="FileStream"/> at its start) is read as a file: an ETL file by offset, which lets
    /// decompression run ahead on another thread. Any other stream is read once, front to back, with bounded memory.
    /// <paramref name="name"/> names the input in problems and errors.
    /// </summary>
    /// <exception cref="EtlFormatException">The input is none of the kinds read.</exception>
    /// <exception cref="IOException">The stream cannot be read.</exception>
    public static IEventSource Open(Stream stream, string name, InputFormat format = InputFormat.Auto, EtlReaderOptions? options = null, SchemaCatalog? catalog = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        options ??= EtlReaderOptions.Default;
        try
        {
            var file = stream as FileStream is { CanSeek: true, Position: 0 } f ? f : null;
            var recognizer = new InputRecognizer(format, name);
            var (prefix, prefixLength) = recognizer.Done ? (Array.Empty<byte>(), 0) : Peek(stream, recognizer);
            if (recognizer.Refusal is { } refusal) throw refusal;
            if (recognizer.Format == InputFormat.Etl)
            {
                // Read by offset, through the stream's own handle: the prefix read through the stream costs nothing.
                if (file is not null) return EtlReader.Open(name, new FileTraceBytes(file.SafeFileHandle, file.Length), options);
                return EtlReader.Open(prefixLength > 0 ? new ReplayStream(stream, prefix, prefixLength) : stream, name, options);
            }
            return JsonEventSource.Create(new ReplayStream(stream, prefix, prefixLength), name, file?.Length, recognizer.Format,
                recognizer.FirstTime, catalog, options.MaxProblemsKept);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens <paramref name="path"/> for reading, once: a regular file gives a stream that seeks, anything else
    /// (a FIFO, a device, <c>/dev/stdin</c>) one that does not. Opening a FIFO waits for its writer.
    /// </summary>
    /// <exception cref="EtlFormatException">The path is a directory.</exception>
    /// <exception cref="IOException">The path cannot be opened.</exception>
    /// <exception cref="UnauthorizedAccessException">The path may not be read.</exception>
    internal static FileStream OpenFile(string path)
    {
        if (Directory.Exists(path)) throw new EtlFormatException(path, 0, "is a directory, not an ETL file");
        // Random access: an ETL file is read by offset, by the reading thread and the decompression worker.
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.RandomAccess);
        try
        {
            return new FileStream(handle, FileAccess.Read, bufferSize: 0);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The kind of input in the file at <paramref name="path"/>: an ETL file when its first bytes are binary, else the
    /// kind of the first good JSON line among its first lines (<see cref="Open(Stream, string, InputFormat, EtlReaderOptions?, SchemaCatalog?)"/>
    /// recognises it so). Reads the first bytes only; a pipe's are gone after.
    /// </summary>
    /// <exception cref="EtlFormatException">The file is text of no known kind.</exception>
    public static InputFormat Detect(string path)
    {
        using var stream = OpenFile(path);
        var recognizer = new InputRecognizer(InputFormat.Auto, path);
        Peek(stream, recognizer);
        if (recognizer.Refusal is { } refusal) throw refusal;
        return recognizer.Format;
    }

    /// <summary>The input's length in bytes when it is known (a file), or null (a stream read once, until its end).</summary>
    internal static long? Length(IEventSource source) => source switch
    {
        EtlReader r => r.Bytes.Length,
        JsonEventSource j => j.Length,
        _ => null,
    };

    /// <summary>Bytes of the input read so far, for progress.</summary>
    internal static long BytesRead(IEventSource source) => source switch
    {
        EtlReader r => r.BytesProcessed,
        JsonEventSource j => j.BytesRead,
        _ => 0,
    };

    /// <summary>Reads the first bytes until <paramref name="recognizer"/> knows the kind; returns the buffer and how much of it they fill.</summary>
    private static (byte[] Buffer, int Length) Peek(Stream stream, InputRecognizer recognizer)
    {
        var buffer = new byte[64 * 1024];
        int length = 0;
        while (!recognizer.Done)
        {
            if (length == buffer.Length)
            {
                if (length >= InputRecognizer.MaxBytes)
                {
                    recognizer.Look(buffer.AsMemory(0, length), ended: false, full: true);
                    break;
                }
                Array.Resize(ref buffer, Math.Min(buffer.Length * 2, InputRecognizer.MaxBytes));
            }
            int n = stream.Read(buffer, length, buffer.Length - length);
            length += n;
            recognizer.Look(buffer.AsMemory(0, length), ended: n == 0, full: false);
        }
        return (buffer, length);
    }
}
