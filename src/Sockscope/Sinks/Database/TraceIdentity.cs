using System.Security.Cryptography;

namespace Sockscope.Sinks.Database;

/// <summary>
/// What identifies a trace in a database: the SHA-256 of its bytes, so the same trace under another name or path is
/// recognised and a renamed copy is not imported twice; the file name and size are kept for a person.
/// </summary>
/// <param name="Sha256">The SHA-256 of the content, 64 lower-case hex digits.</param>
/// <param name="FileName">The name the trace was read from, without folders.</param>
/// <param name="Size">The content's size in bytes.</param>
public sealed record TraceIdentity(string Sha256, string FileName, long Size)
{
    // Large reads: the hash runs at memory speed and a 5 GB trace costs a few seconds, not a minute of 4 KiB reads.
    private const int ReadSize = 1 << 20;

    /// <summary>Hashes the file at <paramref name="path"/>.</summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">The file may not be read.</exception>
    public static TraceIdentity OfFile(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0, FileOptions.SequentialScan);
        return Of(file, Path.GetFileName(path));
    }

    /// <summary>Hashes <paramref name="content"/> from its current position to its end.</summary>
    public static TraceIdentity Of(Stream content, string fileName)
    {
        ArgumentNullException.ThrowIfNull(content);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = new byte[ReadSize];
        long size = 0;
        for (int n; (n = content.Read(buffer)) > 0;)
        {
            hash.AppendData(buffer, 0, n);
            size += n;
        }
        return new TraceIdentity(Convert.ToHexStringLower(hash.GetHashAndReset()), fileName, size);
    }
}
