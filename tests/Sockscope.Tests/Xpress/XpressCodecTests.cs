using System.Buffers.Binary;
using System.Text;
using Sockscope.Etl.Xpress;
using Sockscope.Tests.Support;

namespace Sockscope.Tests.Xpress;

public class XpressCodecTests
{
    // MS-XCA section 3.1: "abcdefghijklmnopqrstuvwxyz" as 26 literals; the 6 unused flag bits are ones.
    private static readonly byte[] SpecAlphabetCompressed =
    [
        0x3f, 0x00, 0x00, 0x00, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c,
        0x6d, 0x6e, 0x6f, 0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a,
    ];

    // MS-XCA section 3.1: 300 bytes of "abc" repeated, as abc + [match: distance 3, length 297].
    private static readonly byte[] SpecAbcCompressed =
        [0xff, 0xff, 0xff, 0x1f, 0x61, 0x62, 0x63, 0x17, 0x00, 0x0f, 0xff, 0x26, 0x01];

    private static string Abc300 => string.Concat(Enumerable.Repeat("abc", 100));

    // ---- decoding known streams ----

    [Fact]
    public void Decode_SpecExample_Alphabet()
    {
        AssertDecodes(SpecAlphabetCompressed, Encoding.ASCII.GetBytes("abcdefghijklmnopqrstuvwxyz"));
    }

    [Fact]
    public void Decode_SpecExample_Abc300()
    {
        byte[] expected = Encoding.ASCII.GetBytes(Abc300);
        Assert.Equal(300, expected.Length);
        AssertDecodes(SpecAbcCompressed, expected);
    }

    [Fact]
    public void Encode_SpecExamples_ProduceSpecBytes()
    {
        Assert.Equal(SpecAlphabetCompressed, Compress(Encoding.ASCII.GetBytes("abcdefghijklmnopqrstuvwxyz")));
        Assert.Equal(SpecAbcCompressed, Compress(Encoding.ASCII.GetBytes(Abc300)));
    }

    [Fact]
    public void Decode_ShortMatch()
    {
        // flags 0001 1...: three literals, then a match token 0x0010 = offset (2 + 1), length (0 + 3).
        byte[] stream = [0xff, 0xff, 0xff, 0x1f, (byte)'x', (byte)'y', (byte)'z', 0x10, 0x00];
        AssertDecodes(stream, "xyzxyz"u8.ToArray());
    }

    [Fact]
    public void Decode_OverlappingMatch_Offset1Run()
    {
        // flags 01 1...: literal 'q', then token 0x0006 = offset 1, length 6 + 3.
        byte[] stream = [0xff, 0xff, 0xff, 0x7f, (byte)'q', 0x06, 0x00];
        AssertDecodes(stream, Repeat("q", 10));
    }

    [Fact]
    public void Decode_OverlappingMatch_ShortPeriod()
    {
        // Period 3 is shorter than any wide copy chunk: "abc" then offset 3, length 9 -> "abcabcabcabc".
        byte[] stream = [0xff, 0xff, 0xff, 0x1f, (byte)'a', (byte)'b', (byte)'c', 0x16, 0x00];
        AssertDecodes(stream, Repeat("abc", 4));
    }

    [Fact]
    public void Decode_LongMatch_LowNibble()
    {
        // Token code 7 reads a new byte; its low nibble 5 gives length 3 + 7 + 5 = 15.
        byte[] stream = [0xff, 0xff, 0xff, 0x7f, (byte)'a', 0x07, 0x00, 0x05];
        AssertDecodes(stream, Repeat("a", 16));
    }

    [Fact]
    public void Decode_SecondLongMatch_UsesHighNibbleOfSameByte_ThirdReadsNewByte()
    {
        // flags 0111 0111...: tokens are
        //   literal 'a'
        //   match offset 1, code 7 -> new byte 0x42: low nibble 2 -> length 12
        //   match offset 1, code 7 -> high nibble of that same byte (4) -> length 14, consumes nothing more
        //   match offset 1, code 7 -> new byte 0x01: low nibble 1 -> length 11
        //   literal 'b' (its position shows the second match consumed no byte of its own)
        uint flags = 0b0111_0111_1111_1111_1111_1111_1111_1111;
        var s = new List<byte>();
        s.AddRange(LE32(flags));
        s.Add((byte)'a');
        s.AddRange([0x07, 0x00, 0x42]);
        s.AddRange([0x07, 0x00]);
        s.AddRange([0x07, 0x00, 0x01]);
        s.Add((byte)'b');
        byte[] expected = [.. Repeat("a", 1 + 12 + 14 + 11), (byte)'b'];
        AssertDecodes(s.ToArray(), expected);
    }

    [Fact]
    public void Decode_LongMatch_ByteExtension()
    {
        // Nibble 15 -> one more byte 0x10: length 3 + 7 + 15 + 16 = 41.
        byte[] stream = [0xff, 0xff, 0xff, 0x7f, (byte)'a', 0x07, 0x00, 0x0f, 0x10];
        AssertDecodes(stream, Repeat("a", 42));
    }

    [Fact]
    public void Decode_LongMatch_16BitLength()
    {
        // Nibble 15, byte 255 -> 16-bit 1000, which is the whole length minus 3: length 1003.
        byte[] stream = [0xff, 0xff, 0xff, 0x7f, (byte)'a', 0x07, 0x00, 0x0f, 0xff, 0xe8, 0x03];
        AssertDecodes(stream, Repeat("a", 1004));
    }

    [Fact]
    public void Decode_LongMatch_32BitLength()
    {
        // 16-bit 0 escapes to a 32-bit length minus 3: 70000 -> 70003.
        byte[] stream =
            [0xff, 0xff, 0xff, 0x7f, (byte)'a', 0x07, 0x00, 0x0f, 0xff, 0x00, 0x00, 0x70, 0x11, 0x01, 0x00];
        AssertDecodes(stream, Repeat("a", 70004));
    }

    [Fact]
    public void Decode_MatchWithNonOverlappingLongOffset()
    {
        // 40 distinct literals (two flag words), then offset 40, length 20: exercises the wide copy path.
        var s = new List<byte>();
        s.AddRange(LE32(0)); // 32 literals
        for (int i = 0; i < 32; i++) s.Add((byte)(i + 1));
        s.AddRange(LE32(0b0000_0000_1111_1111_1111_1111_1111_1111)); // 8 literals then match, then end
        for (int i = 32; i < 40; i++) s.Add((byte)(i + 1));
        s.AddRange([0x3f, 0x01, 0x0a]); // token 0x013F: offset (39 + 1), code 7; half byte 10: length 3 + 7 + 10 = 20
        byte[] expected = [.. Enumerable.Range(1, 40).Select(i => (byte)i), .. Enumerable.Range(1, 20).Select(i => (byte)i)];
        AssertDecodes(s.ToArray(), expected);
    }

    [Fact]
    public void Decode_EndMarkerAndInputExhaustion()
    {
        // Empty input: nothing to do.
        Assert.Equal(XpressStatus.Done, XpressDecoder.Decompress([], new byte[8], out int n, out int err));
        Assert.Equal(0, n);
        Assert.Equal(0, err);

        // All-ones flags with no tokens: the first flag is already the end marker.
        AssertDecodes([0xff, 0xff, 0xff, 0xff], []);

        // Input ending exactly after 32 literals (no trailing flags word) is a clean end too.
        byte[] literals = [.. LE32(0), .. Enumerable.Range(0, 32).Select(i => (byte)i)];
        AssertDecodes(literals, Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());

        // Input ending after 2 literals while their flags announce more literals.
        AssertDecodes([0, 0, 0, 0, 9, 8], [9, 8]);
    }

    // ---- invalid input ----

    [Theory]
    [InlineData(new byte[] { 0x00, 0x00, 0x00 }, 0, 0)] // truncated flags word
    [InlineData(new byte[] { 0x00, 0x00, 0x00, 0x00, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f, 0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0x7a, 0xff }, 36, 32)] // truncated second flags word
    [InlineData(new byte[] { 0xff, 0xff, 0xff, 0xff, 0x00, 0x00 }, 4, 0)] // match before any output
    [InlineData(new byte[] { 0xff, 0xff, 0xff, 0x7f, 0x61, 0x08, 0x00 }, 5, 1)] // offset 2 with 1 byte of output
    [InlineData(new byte[] { 0xff, 0xff, 0xff, 0x7f, 0x61, 0x07 }, 5, 1)] // truncated match token
    [InlineData(new byte[] { 0xff, 0xff, 0xff, 0x7f, 0x61, 0x07, 0x00 }, 7, 1)] // missing half-byte
    [InlineData(new byte[] { 0xff, 0xff, 0xff, 0x7f, 0x61, 0x07, 0x00, 0x0f }, 8, 1)] // missing extension byte
    [InlineData(new byte[] { 0xff, 0xff, 0xff, 0x7f, 0x61, 0x07, 0x00, 0x0f, 0xff, 0x01 }, 9, 1)] // truncated 16-bit length
    [InlineData(new byte[] { 0xff, 0xff, 0xff, 0x7f, 0x61, 0x07, 0x00, 0x0f, 0xff, 0x00, 0x00, 0x01, 0x00, 0x00 }, 11, 1)] // truncated 32-bit length
    [InlineData(new byte[] { 0xff, 0xff, 0xff, 0x7f, 0x61, 0x07, 0x00, 0x0f, 0xff, 0x15, 0x00 }, 5, 1)] // 16-bit length 21 < 22
    [InlineData(new byte[] { 0xff, 0xff, 0xff, 0x7f, 0x61, 0x07, 0x00, 0x0f, 0xff, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00 }, 5, 1)] // 32-bit length 5 < 22
    public void Decode_InvalidStreams_ReportInvalidData(byte[] stream, int expectedErrorOffset, int expectedWritten)
    {
        var dst = new byte[100_000];
        var status = XpressDecoder.Decompress(stream, dst, out int written, out int errorOffset);
        Assert.Equal(XpressStatus.InvalidData, status);
        Assert.Equal(expectedErrorOffset, errorOffset);
        Assert.Equal(expectedWritten, written);
    }

    // ---- destination size contract ----

    [Fact]
    public void Decode_DestinationFullAtTokenBoundary_IsDone()
    {
        // Literals stop cleanly when the destination is full, whatever input remains.
        var dst = new byte[10];
        Assert.Equal(XpressStatus.Done, XpressDecoder.Decompress(SpecAlphabetCompressed, dst, out int n, out int err));
        Assert.Equal(10, n);
        Assert.Equal(0, err);
        Assert.Equal("abcdefghij"u8.ToArray(), dst);

        // Destination full exactly where a match starts: the match is not needed.
        var dst3 = new byte[3];
        Assert.Equal(XpressStatus.Done, XpressDecoder.Decompress(SpecAbcCompressed, dst3, out n, out _));
        Assert.Equal(3, n);

        // Empty destination.
        Assert.Equal(XpressStatus.Done, XpressDecoder.Decompress(SpecAbcCompressed, Span<byte>.Empty, out n, out _));
        Assert.Equal(0, n);

        // Exactly the right size.
        var exact = new byte[300];
        Assert.Equal(XpressStatus.Done, XpressDecoder.Decompress(SpecAbcCompressed, exact, out n, out _));
        Assert.Equal(300, n);
    }

    [Fact]
    public void Decode_MatchLongerThanRoom_IsDestinationTooSmall()
    {
        var buffer = new byte[120];
        buffer.AsSpan().Fill(0xEE);
        Span<byte> dst = buffer.AsSpan(0, 100);
        var status = XpressDecoder.Decompress(SpecAbcCompressed, dst, out int n, out int err);
        Assert.Equal(XpressStatus.DestinationTooSmall, status);
        Assert.Equal(100, n);
        Assert.Equal(7, err); // the match token
        Assert.Equal(Encoding.ASCII.GetBytes(Abc300)[..100], dst.ToArray());
        Assert.All(buffer[100..], b => Assert.Equal(0xEE, b));
    }

    [Fact]
    public void Decode_TrailingPaddingAfterFullDestination_IsDone()
    {
        // ETW buffers can carry padding after the stream; once the known size is produced it is ignored.
        byte[] data = MakeEtwLikeData(4000, seed: 3);
        byte[] compressed = [.. Compress(data), .. new byte[13]];
        var dst = new byte[data.Length];
        Assert.Equal(XpressStatus.Done, XpressDecoder.Decompress(compressed, dst, out int n, out _));
        Assert.Equal(data.Length, n);
        Assert.Equal(data, dst);
    }

    // ---- round trips ----

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(33)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(1000)]
    [InlineData(100_000)]
    public void RoundTrip_RandomIncompressible(int length)
    {
        var data = new byte[length];
        new Random(length).NextBytes(data);
        byte[] compressed = RoundTrip(data);
        Assert.True(compressed.Length <= XpressEncoder.MaxCompressedLength(length));
    }

    [Fact]
    public void RoundTrip_Empty_IsOneAllOnesFlagsWord()
    {
        Assert.Equal(new byte[] { 0xff, 0xff, 0xff, 0xff }, RoundTrip([]));
    }

    [Fact]
    public void RoundTrip_OneByte()
    {
        // One literal flag 0, then 31 ones.
        Assert.Equal(new byte[] { 0xff, 0xff, 0xff, 0x7f, 0x42 }, RoundTrip([0x42]));
    }

    [Theory]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(33)]
    public void RoundTrip_TokenCountsAroundFlagGroupBoundary(int literalCount)
    {
        // Distinct bytes force exactly literalCount literal tokens.
        byte[] data = Enumerable.Range(0, literalCount).Select(i => (byte)i).ToArray();
        byte[] compressed = RoundTrip(data);
        int flagWords = literalCount / 32 + 1;
        Assert.Equal(literalCount + 4 * flagWords, compressed.Length);

        // The same counts with a trailing match token: literals, then one match covering a copy of them.
        byte[] withMatch = [.. data, .. data];
        byte[] c2 = RoundTrip(withMatch);
        Assert.Equal(literalCount + 4 * ((literalCount + 1) / 32 + 1) + MatchBytes(literalCount), c2.Length);
    }

    [Theory]
    [InlineData(10)] // match of 9: 3-bit length only
    [InlineData(11)] // 10: half byte
    [InlineData(25)] // 24: largest half byte
    [InlineData(26)] // 25: extra byte 0
    [InlineData(280)] // 279: extra byte 254
    [InlineData(281)] // 280: 16-bit length
    [InlineData(65_539)] // 65538: largest 16-bit length
    [InlineData(65_540)] // 65539: 32-bit length
    [InlineData(1_000_000)]
    public void RoundTrip_LongRuns_UseEveryLengthForm(int runLength)
    {
        byte[] data = [(byte)'s', .. new byte[runLength].Select(_ => (byte)'r'), (byte)'e'];
        byte[] compressed = RoundTrip(data);
        // 's', 'r', then one match of runLength - 1, then 'e'.
        Assert.Equal(4 + 3 + MatchBytes(runLength - 1), compressed.Length);
    }

    [Fact]
    public void RoundTrip_HighlyRepetitive_CompressesHard()
    {
        byte[] data = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("The quick brown fox; ", 5000)));
        byte[] compressed = RoundTrip(data);
        Assert.True(compressed.Length * 100 < data.Length, $"{compressed.Length} of {data.Length}");
    }

    [Fact]
    public void RoundTrip_EtwLike64K_Compresses3xOrBetter()
    {
        byte[] data = MakeEtwLikeData(64 * 1024, seed: 1);
        byte[] compressed = RoundTrip(data);
        double ratio = (double)data.Length / compressed.Length;
        Assert.True(ratio >= 3.0, $"ratio {ratio:F2}");
    }

    [Fact]
    public void RoundTrip_ManyLongMatches_SharedNibbleAlternation()
    {
        // Long matches of varied length back to back alternate between new and shared half bytes.
        var rng = new Random(7);
        var data = new List<byte>();
        byte[] block = new byte[300];
        rng.NextBytes(block);
        data.AddRange(block);
        for (int i = 0; i < 500; i++)
        {
            int len = rng.Next(10, 40);
            int start = rng.Next(0, block.Length - len);
            data.AddRange(block.AsSpan(start, len).ToArray());
            data.Add((byte)rng.Next(256));
        }

        RoundTrip(data.ToArray());
    }

    [Fact]
    public void RoundTrip_RandomStructuredInputs()
    {
        var rng = new Random(12345);
        for (int iter = 0; iter < 300; iter++)
        {
            int length = rng.Next(0, 20_000);
            var data = new byte[length];
            int alphabet = rng.Next(1, 256);
            int pos = 0;
            while (pos < length)
            {
                if (pos > 0 && rng.Next(3) != 0)
                {
                    // Copy from somewhere earlier, possibly beyond the window, possibly overlapping.
                    int distance = rng.Next(1, Math.Min(pos, 10_000) + 1);
                    int len = Math.Min(rng.Next(1, rng.Next(2) == 0 ? 20 : 400), length - pos);
                    for (int i = 0; i < len; i++, pos++) data[pos] = data[pos - distance];
                }
                else
                {
                    data[pos++] = (byte)rng.Next(alphabet);
                }
            }

            RoundTrip(data);
        }
    }

    [Fact]
    public void DecodeAndEncode_DoNotAllocate()
    {
        byte[] data = MakeEtwLikeData(64 * 1024, seed: 2);
        byte[] compressed = new byte[XpressEncoder.MaxCompressedLength(data.Length)];
        byte[] output = new byte[data.Length];
        int n = XpressEncoder.Compress(data, compressed); // warm-up allocates the per-thread match tables
        XpressDecoder.Decompress(compressed.AsSpan(0, n), output, out _, out _);

        NoAllocation.Assert(() =>
        {
            for (int i = 0; i < 20; i++)
            {
                n = XpressEncoder.Compress(data, compressed);
                XpressDecoder.Decompress(compressed.AsSpan(0, n), output, out _, out _);
            }
        });
        Assert.Equal(data, output);
    }

    [Fact]
    public void Compress_DestinationBelowBound_Throws()
    {
        Assert.Throws<ArgumentException>(() => XpressEncoder.Compress(new byte[100], new byte[50]));
        Assert.Throws<ArgumentOutOfRangeException>(() => XpressEncoder.MaxCompressedLength(-1));
        Assert.Equal(4, XpressEncoder.MaxCompressedLength(0));
        Assert.Equal(31 + 4, XpressEncoder.MaxCompressedLength(31));
        Assert.Equal(32 + 8, XpressEncoder.MaxCompressedLength(32));
    }

    // ---- hostile input ----

    [Fact]
    public void Fuzz_RandomBytes_NeverThrowsOrOverruns()
    {
        var rng = new Random(2024);
        for (int iter = 0; iter < 5000; iter++)
        {
            var src = new byte[rng.Next(0, 300)];
            rng.NextBytes(src);
            // Bias some inputs towards matches and long-length escapes.
            if (iter % 3 == 0)
            {
                for (int i = 0; i < src.Length; i++) if (rng.Next(4) == 0) src[i] = 0xff;
            }

            DecodeChecked(src, rng.Next(0, 5000));
        }
    }

    [Fact]
    public void Fuzz_MutatedAndTruncatedValidStreams_NeverThrowOrOverrun()
    {
        var rng = new Random(99);
        byte[] data = MakeEtwLikeData(6000, seed: 5);
        byte[] valid = Compress(data);

        for (int cut = 0; cut <= valid.Length; cut++)
        {
            var (status, written, _, output) = DecodeChecked(valid[..cut], data.Length);
            // A truncated stream decodes to a prefix of the original, however it ends.
            Assert.True(data.AsSpan(0, written).SequenceEqual(output), $"cut {cut}");
            Assert.NotEqual(XpressStatus.DestinationTooSmall, status);
            if (cut == valid.Length)
            {
                Assert.Equal(XpressStatus.Done, status);
                Assert.Equal(data.Length, written);
            }
        }

        for (int iter = 0; iter < 3000; iter++)
        {
            byte[] m = (byte[])valid.Clone();
            int flips = rng.Next(1, 8);
            for (int f = 0; f < flips; f++)
            {
                m[rng.Next(m.Length)] = (byte)rng.Next(256);
            }

            DecodeChecked(m, rng.Next(2) == 0 ? data.Length : rng.Next(0, 3 * data.Length));
        }
    }

    [Fact]
    public void Fuzz_HugeDeclaredLengths_DoNotHang()
    {
        // A 32-bit length near 4 GiB against a small destination must stop at the destination.
        byte[] stream = [0xff, 0xff, 0xff, 0x7f, 0x61, 0x07, 0x00, 0x0f, 0xff, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff];
        var (status, written, err, output) = DecodeChecked(stream, 1000);
        Assert.All(output, b => Assert.Equal((byte)'a', b));
        Assert.Equal(XpressStatus.DestinationTooSmall, status);
        Assert.Equal(1000, written);
        Assert.Equal(5, err);
    }

    [Fact]
    public void Fuzz_DifferentialAgainstSpecReference()
    {
        // The reference below is a literal transcription of MS-XCA 2.4 plus this decoder's documented stopping
        // rules, copying one byte at a time; the fast decoder must agree on status, counts, offsets and bytes.
        int iterations = int.TryParse(Environment.GetEnvironmentVariable("SOCKSCOPE_FUZZ_ITERATIONS"), out int n) ? n : 4000;
        var rng = new Random(777);
        byte[][] seeds =
        [
            Compress(MakeEtwLikeData(3000, seed: 11)),
            Compress(Repeat("ab", 700)),
            Compress([.. Repeat("z", 5000), .. Repeat("xyzw", 20000)]),
            SpecAbcCompressed,
        ];

        for (int iter = 0; iter < iterations; iter++)
        {
            byte[] src;
            switch (iter % 3)
            {
                case 0:
                    src = new byte[rng.Next(0, 400)];
                    rng.NextBytes(src);
                    break;
                case 1:
                    src = (byte[])seeds[rng.Next(seeds.Length)].Clone();
                    for (int f = rng.Next(1, 6); f > 0; f--) src[rng.Next(src.Length)] = (byte)rng.Next(256);
                    break;
                default:
                    byte[] seed = seeds[rng.Next(seeds.Length)];
                    src = seed[..rng.Next(seed.Length + 1)];
                    break;
            }

            int dstLength = rng.Next(4) switch
            {
                0 => rng.Next(0, 64),
                1 => rng.Next(0, 4000),
                _ => rng.Next(0, 100_000),
            };

            var expected = ReferenceDecode(src, dstLength);
            var actual = DecodeChecked(src, dstLength);
            Assert.Equal(expected.Status, actual.Status);
            Assert.Equal(expected.Written, actual.Written);
            Assert.Equal(expected.ErrorOffset, actual.ErrorOffset);
            Assert.True(expected.Output.AsSpan().SequenceEqual(actual.Output), $"output differs at iteration {iter}");
        }
    }

    private static (XpressStatus Status, int Written, int ErrorOffset, byte[] Output) ReferenceDecode(byte[] src, int dstLength)
    {
        var dst = new byte[dstLength];
        int ip = 0, op = 0, halfByte = 0, flagCount = 0;
        uint flags = 0;
        (XpressStatus, int, int, byte[]) Stop(XpressStatus status, int at) => (status, op, at, dst[..op]);

        while (true)
        {
            if (flagCount == 0)
            {
                if (op == dstLength || ip == src.Length) return Stop(XpressStatus.Done, 0);
                if (src.Length - ip < 4) return Stop(XpressStatus.InvalidData, ip);
                flags = BinaryPrimitives.ReadUInt32LittleEndian(src.AsSpan(ip));
                ip += 4;
                flagCount = 32;
            }

            flagCount--;
            if (op == dstLength || ip == src.Length) return Stop(XpressStatus.Done, 0);
            if ((flags & (1u << flagCount)) == 0)
            {
                dst[op++] = src[ip++];
                continue;
            }

            int tokenAt = ip;
            if (src.Length - ip < 2) return Stop(XpressStatus.InvalidData, ip);
            int token = BinaryPrimitives.ReadUInt16LittleEndian(src.AsSpan(ip));
            ip += 2;
            long length = token % 8;
            int offset = token / 8 + 1;
            if (length == 7)
            {
                if (halfByte == 0)
                {
                    if (ip == src.Length) return Stop(XpressStatus.InvalidData, ip);
                    length = src[ip] % 16;
                    halfByte = ip++;
                }
                else
                {
                    length = src[halfByte] / 16;
                    halfByte = 0;
                }

                if (length == 15)
                {
                    if (ip == src.Length) return Stop(XpressStatus.InvalidData, ip);
                    length = src[ip++];
                    if (length == 255)
                    {
                        if (src.Length - ip < 2) return Stop(XpressStatus.InvalidData, ip);
                        length = BinaryPrimitives.ReadUInt16LittleEndian(src.AsSpan(ip));
                        ip += 2;
                        if (length == 0)
                        {
                            if (src.Length - ip < 4) return Stop(XpressStatus.InvalidData, ip);
                            length = BinaryPrimitives.ReadUInt32LittleEndian(src.AsSpan(ip));
                            ip += 4;
                        }

                        if (length < 15 + 7) return Stop(XpressStatus.InvalidData, tokenAt);
                        length -= 15 + 7;
                    }

                    length += 15;
                }

                length += 7;
            }

            length += 3;
            if (offset > op) return Stop(XpressStatus.InvalidData, tokenAt);
            for (long i = 0; i < length; i++)
            {
                if (op == dstLength) return Stop(XpressStatus.DestinationTooSmall, tokenAt);
                dst[op] = dst[op - offset];
                op++;
            }
        }
    }

    // ---- interop with Windows-written data ----

    [SharedSamplesFact]
    public void Interop_PerfViewSmallEtlFile_SecondBufferDecompresses()
    {
        string path = SharedSamples.PathOf("perfview_smallEtlFile.etl");
        byte[] file = File.ReadAllBytes(path);
        const int bufferStart = 0x200;
        const int headerSize = 0x48;
        int bufferSize = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(bufferStart));
        int savedOffset = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(bufferStart + 4));
        Assert.Equal(0x225, bufferSize);
        Assert.Equal(0x2E0, savedOffset);

        ReadOnlySpan<byte> stream = file.AsSpan(bufferStart + headerSize, bufferSize - headerSize);
        var dst = new byte[savedOffset - headerSize];
        var status = XpressDecoder.Decompress(stream, dst, out int written, out int err);
        Assert.Equal(XpressStatus.Done, status);
        Assert.Equal(0, err);
        Assert.Equal(0x298, written);
        Assert.Equal(new byte[] { 0x98, 0x02, 0x12, 0xC0 }, dst[..4]);
        // The first record is 0x298 bytes long and fills the buffer.
        Assert.Equal(0x298, BinaryPrimitives.ReadUInt16LittleEndian(dst));

        // Our encoder's output for the same bytes decodes back to them.
        Assert.Equal(dst, DecodeToArray(Compress(dst), dst.Length));
    }

    [SharedSamplesFact]
    public void Interop_AllCompressedSampleBuffers_DecompressToTheirSavedSize()
    {
        // Buffers are stored back to back, each BufferSize (u32 at +0) bytes long; BufferFlag (u16 at +0x34) has
        // 0x40 set when the part after the 0x48-byte header is an XPRESS stream, and SavedOffset (u32 at +4) is
        // then the decompressed size including the header.
        string dir = SharedSamples.Directory!;
        const int headerSize = 0x48;
        int buffers = 0;
        long windowsBytes = 0, ourBytes = 0;
        var output = new byte[1 << 20];
        var scratch = new byte[XpressEncoder.MaxCompressedLength(output.Length)];
        foreach (string path in Directory.GetFiles(dir, "*.etl").Order())
        {
            byte[] file = File.ReadAllBytes(path);
            for (int at = 0; at + headerSize <= file.Length;)
            {
                int bufferSize = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(at));
                int savedOffset = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(at + 4));
                ushort bufferFlag = BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(at + 0x34));
                if (bufferSize < headerSize || at + bufferSize > file.Length) break;
                if ((bufferFlag & 0x40) != 0)
                {
                    ReadOnlySpan<byte> stream = file.AsSpan(at + headerSize, bufferSize - headerSize);
                    int size = savedOffset - headerSize;
                    string where = $"{Path.GetFileName(path)} buffer at 0x{at:x}";

                    // A roomy destination: Windows ends each stream with the end marker right at the saved size.
                    var status = XpressDecoder.Decompress(stream, output, out int written, out int err);
                    Assert.True(status == XpressStatus.Done && written == size, $"{where}: {status} {written}/{size} at {err}");

                    Span<byte> plain = output.AsSpan(0, size);
                    int ours = XpressEncoder.Compress(plain, scratch);
                    var again = new byte[size];
                    Assert.Equal(XpressStatus.Done, XpressDecoder.Decompress(scratch.AsSpan(0, ours), again, out written, out _));
                    Assert.True(plain.SequenceEqual(again), $"{where}: re-encoded data differs");

                    buffers++;
                    windowsBytes += stream.Length;
                    ourBytes += ours;
                }

                at += bufferSize;
            }
        }

        Assert.True(buffers >= 300, $"only {buffers} compressed buffers found");
        // The encoder should compress real ETW data about as well as Windows does.
        Assert.True(ourBytes <= windowsBytes * 11 / 10, $"ours {ourBytes} vs Windows {windowsBytes}");
    }

    // ---- helpers ----

    private static void AssertDecodes(byte[] stream, byte[] expected)
    {
        // Exact-size destination, as ETW uses it.
        var exact = new byte[expected.Length];
        var status = XpressDecoder.Decompress(stream, exact, out int written, out int err);
        Assert.Equal(XpressStatus.Done, status);
        Assert.Equal(0, err);
        Assert.Equal(expected.Length, written);
        Assert.Equal(expected, exact);

        // Roomy destination: the stream's own end must stop the decoder at the same place.
        var roomy = new byte[expected.Length + 100];
        status = XpressDecoder.Decompress(stream, roomy, out written, out err);
        Assert.Equal(XpressStatus.Done, status);
        Assert.Equal(expected.Length, written);
        Assert.Equal(expected, roomy[..written]);
    }

    private static byte[] Compress(byte[] data)
    {
        var dst = new byte[XpressEncoder.MaxCompressedLength(data.Length)];
        int n = XpressEncoder.Compress(data, dst);
        return dst[..n];
    }

    private static byte[] DecodeToArray(byte[] stream, int size)
    {
        var dst = new byte[size];
        XpressDecoder.Decompress(stream, dst, out int written, out _);
        return dst[..written];
    }

    private static byte[] RoundTrip(byte[] data)
    {
        byte[] compressed = Compress(data);
        Assert.True(compressed.Length <= XpressEncoder.MaxCompressedLength(data.Length));

        var exact = new byte[data.Length];
        Assert.Equal(XpressStatus.Done, XpressDecoder.Decompress(compressed, exact, out int written, out _));
        Assert.Equal(data.Length, written);
        Assert.True(data.AsSpan().SequenceEqual(exact), "round trip mismatch (exact destination)");

        // With spare room the end marker, not the destination size, must end decoding.
        var roomy = new byte[data.Length + 64];
        Assert.Equal(XpressStatus.Done, XpressDecoder.Decompress(compressed, roomy, out written, out _));
        Assert.Equal(data.Length, written);
        Assert.True(data.AsSpan().SequenceEqual(roomy.AsSpan(0, written)), "round trip mismatch (roomy destination)");
        return compressed;
    }

    private static (XpressStatus Status, int Written, int ErrorOffset, byte[] Output) DecodeChecked(byte[] src, int dstLength)
    {
        const int guard = 64;
        var buffer = new byte[dstLength + 2 * guard];
        buffer.AsSpan().Fill(0xA5);
        var status = XpressDecoder.Decompress(src, buffer.AsSpan(guard, dstLength), out int written, out int err);

        Assert.True(Enum.IsDefined(status));
        Assert.InRange(written, 0, dstLength);
        Assert.InRange(err, 0, src.Length);
        if (status == XpressStatus.Done) Assert.Equal(0, err);
        if (status == XpressStatus.DestinationTooSmall) Assert.Equal(dstLength, written);
        for (int i = 0; i < guard; i++)
        {
            Assert.Equal(0xA5, buffer[i]);
            Assert.Equal(0xA5, buffer[guard + dstLength + i]);
        }

        return (status, written, err, buffer.AsSpan(guard, written).ToArray());
    }

    /// <summary>Encoded size of one match token of the given length, per MS-XCA 2.3, for a fresh half byte.</summary>
    private static int MatchBytes(int length)
    {
        int code = length - 3;
        if (code < 7) return 2;
        if (code - 7 < 15) return 3;
        if (code - 7 - 15 < 255) return 4;
        return code <= 0xFFFF ? 6 : 10;
    }

    private static byte[] Repeat(string s, int count) => Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(s, count)));

    private static byte[] LE32(uint value)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, value);
        return b;
    }

    /// <summary>
    /// Records shaped like ETW events: a fixed-layout header (size, flags, thread/process ids, a rising timestamp,
    /// one of a few provider GUIDs, an event descriptor) followed by a small payload mixing counters, addresses
    /// and short UTF-16 strings.
    /// </summary>
    internal static byte[] MakeEtwLikeData(int size, int seed)
    {
        var rng = new Random(seed);
        var providers = new byte[4][];
        for (int i = 0; i < providers.Length; i++)
        {
            providers[i] = new byte[16];
            rng.NextBytes(providers[i]);
        }

        string[] words = ["TcpIp", "Send", "Recv", "Connect", "127.0.0.1", "svchost.exe", "chrome.exe", "Accept"];
        var output = new byte[size];
        var span = output.AsSpan();
        int pos = 0;
        long timestamp = 0x01D9_1234_5678_0000;
        uint[] threads = [0x1a4, 0x1b8, 0x2f0];
        while (pos < size)
        {
            var record = new List<byte>(128);
            int provider = rng.Next(providers.Length);
            timestamp += rng.Next(100, 5000);
            int payloadWords = rng.Next(1, 4);
            record.AddRange(BitConverter.GetBytes((ushort)0)); // size patched below
            record.AddRange([0x13, 0xC0]);
            record.AddRange(BitConverter.GetBytes((ushort)0x0240));
            record.AddRange(BitConverter.GetBytes((ushort)0));
            record.AddRange(BitConverter.GetBytes(threads[rng.Next(threads.Length)]));
            record.AddRange(BitConverter.GetBytes(0x0c28u));
            record.AddRange(BitConverter.GetBytes(timestamp));
            record.AddRange(providers[provider]);
            record.AddRange(BitConverter.GetBytes((ushort)(10 + provider)));
            record.AddRange([0, 0, 4, 0, 0, 0]);
            record.AddRange(BitConverter.GetBytes(0x8000_0000_0000_0000UL));
            record.AddRange(BitConverter.GetBytes((uint)rng.Next(0, 4) * 0x1000));
            record.AddRange(BitConverter.GetBytes(0x7FF6_0000_0000L + rng.Next(0, 16) * 0x100));
            for (int w = 0; w < payloadWords; w++)
            {
                record.AddRange(Encoding.Unicode.GetBytes(words[rng.Next(words.Length)]));
                record.AddRange([0, 0]);
            }

            while (record.Count % 8 != 0) record.Add(0);
            BinaryPrimitives.WriteUInt16LittleEndian(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(record), (ushort)record.Count);
            int n = Math.Min(record.Count, size - pos);
            System.Runtime.InteropServices.CollectionsMarshal.AsSpan(record)[..n].CopyTo(span[pos..]);
            pos += n;
        }

        return output;
    }
}
