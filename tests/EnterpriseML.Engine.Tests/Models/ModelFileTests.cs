using EnterpriseML.Engine.Models;

namespace EnterpriseML.Engine.Tests.Models;

public sealed class ModelFileTests
{
    private static byte[] Sample(string kind = "test-kind")
    {
        using var stream = new MemoryStream();
        ModelFile.Write(stream, kind, w =>
        {
            w.Write("hello");
            w.Write(42);
            w.Write(new byte[300]);
        });
        return stream.ToArray();
    }

    [Fact]
    public void WriteRead_RoundTrip_KindEngineVersionAndPayload()
    {
        var content = ModelFile.Read(new MemoryStream(Sample()));
        Assert.Equal("test-kind", content.Kind);
        Assert.Equal(ModelFile.EngineVersion, content.EngineVersion);
        using var reader = content.OpenPayload();
        Assert.Equal("hello", reader.ReadString());
        Assert.Equal(42, reader.ReadInt32());
        Assert.Equal(300, reader.ReadBytes(1000).Length);
    }

    [Fact]
    public void Write_SeekableAndForwardOnlyStreams_SameBytes()
    {
        // A file or memory stream gets the payload streamed with the length filled in afterwards; a stream that
        // cannot seek gets it buffered. Both must be the same file, also when the stream does not start empty.
        static void Payload(BinaryWriter w)
        {
            for (var i = 0; i < 400_000; i++)
            {
                w.Write(i);
            }

            w.Write("end");
        }

        using var seekable = new MemoryStream();
        seekable.Write([1, 2, 3]);
        ModelFile.Write(seekable, "big", Payload);
        using var written = new MemoryStream();
        using (var forwardOnly = new WriteThroughStream(written))
        {
            ModelFile.Write(forwardOnly, "big", Payload);
        }

        Assert.Equal(written.ToArray(), seekable.ToArray()[3..]);
        var content = ModelFile.Read(new MemoryStream(seekable.ToArray()[3..]), "big");
        using var reader = content.OpenPayload();
        Assert.Equal(399_999, reader.ReadBytes(4 * 399_999).Length / 4);
        Assert.Equal(399_999, reader.ReadInt32());
        Assert.Equal("end", reader.ReadString());
    }

    [Fact]
    public void CountingStream_CountsWhatAFileWouldHold()
    {
        // Model sizes on the leaderboard are measured by saving into a counting stream; it seeks like a file, so the
        // payload streams through it unbuffered and the count is the file's length.
        static void Payload(BinaryWriter w) => w.Write(new byte[123_457]);
        using var file = new MemoryStream();
        ModelFile.Write(file, "sized", Payload);
        using var counter = new CountingStream();
        ModelFile.Write(counter, "sized", Payload);
        Assert.Equal(file.Length, counter.Length);
        Assert.Equal(counter.Length, counter.Position);
    }

    [Fact]
    public void PeekKind_ReturnsKindWithoutVerifying()
    {
        Assert.Equal("test-kind", ModelFile.PeekKind(Sample()));
    }

    [Fact]
    public void Read_BadMagic_Rejected()
    {
        var file = Sample();
        file[0] = (byte)'X';
        var e = Assert.Throws<ModelFormatException>(() => ModelFile.Read(new MemoryStream(file)));
        Assert.Contains("magic", e.Message, StringComparison.Ordinal);
        Assert.Throws<ModelFormatException>(() => ModelFile.Read(new MemoryStream("name,value\n1,2\n"u8.ToArray())));
    }

    [Fact]
    public void Read_UnsupportedContainerVersion_RejectedNamingBoth()
    {
        var file = Sample();
        file[4] = 99;
        var e = Assert.Throws<ModelFormatException>(() => ModelFile.Read(new MemoryStream(file)));
        Assert.Contains("version 99", e.Message, StringComparison.Ordinal);
        Assert.Contains($"supports {ModelFile.ContainerVersion}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_EveryTruncation_RejectedWithModelFormatException()
    {
        var file = Sample();
        for (var length = 0; length < file.Length; length++)
        {
            var e = Assert.Throws<ModelFormatException>(() => ModelFile.Read(new MemoryStream(file, 0, length)));
            Assert.False(string.IsNullOrWhiteSpace(e.Message));
        }
    }

    [Fact]
    public void Read_EmptyFile_SaysEmpty()
    {
        var e = Assert.Throws<ModelFormatException>(() => ModelFile.Read(new MemoryStream()));
        Assert.Equal("Not an EnterpriseML model file: it is empty.", e.Message);
    }

    /// <summary>A stream may return fewer bytes than asked (a request body, a pipe): the magic bytes were read with one
    /// call, so a valid model arriving a byte at a time was "not an EnterpriseML model file".</summary>
    [Fact]
    public void Read_StreamReturningOneByteAtATime_ReadsTheModel()
    {
        var content = ModelFile.Read(Data.CsvTestInput.Trickle(Sample(), chunk: 1), "test-kind");
        using var reader = content.OpenPayload();
        Assert.Equal("hello", reader.ReadString());
        Assert.Equal(42, reader.ReadInt32());
    }

    /// <summary>A corrupt payload length near 2^31 allocated that much before the truncation was noticed.</summary>
    [Fact]
    public void Read_CorruptHugePayloadLength_TruncatedWithoutAllocatingIt()
    {
        var file = Sample();
        var lengthOffset = ModelFileLayout.PayloadRange(file).Start - sizeof(long);
        BitConverter.GetBytes(2_000_000_000L).CopyTo(file, lengthOffset);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ModelFormatException>(() => ModelFile.Read(new MemoryStream(file)));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.StartsWith("Truncated model file: expected 2000000000 payload bytes", e.Message, StringComparison.Ordinal);
        Assert.InRange(allocated, 0, 1 << 20);
    }

    [Fact]
    public void Read_FlippedPayloadOrChecksumByte_ChecksumMismatch()
    {
        var clean = Sample();
        foreach (var offset in new[] { clean.Length - 40, clean.Length - 100, clean.Length - 1 })
        {
            var file = (byte[])clean.Clone();
            file[offset] ^= 0x5A;
            var e = Assert.Throws<ModelFormatException>(() => ModelFile.Read(new MemoryStream(file)));
            Assert.Contains("checksum", e.Message, StringComparison.Ordinal);
        }
    }

    /// <summary>The engine version is under the checksum: one edited to another printable version had loaded unnoticed.</summary>
    [Fact]
    public void Read_EngineVersionEdited_ChecksumMismatch()
    {
        var file = Sample();
        var at = 8 + 1 + "test-kind".Length + 1; // magic, container version, kind, the engine version's length byte
        file[at] = (byte)(file[at] == (byte)'9' ? '8' : '9');
        var e = Assert.Throws<ModelFormatException>(() => ModelFile.Read(new MemoryStream(file)));
        Assert.Equal("Corrupt model file: the header and payload checksum does not match.", e.Message);
    }

    [Fact]
    public void Read_OtherKindThanExpected_RejectedNamingBoth()
    {
        var e = Assert.Throws<ModelFormatException>(() => ModelFile.Read(new MemoryStream(Sample("recommender")), ModelPipeline.Kind));
        Assert.Contains("recommender", e.Message, StringComparison.Ordinal);
        Assert.Contains(ModelPipeline.Kind, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_GuardsArguments()
    {
        Assert.Throws<ArgumentNullException>(() => ModelFile.Write(null!, "k", _ => { }));
        Assert.Throws<ArgumentException>(() => ModelFile.Write(new MemoryStream(), "", _ => { }));
        Assert.Throws<ArgumentNullException>(() => ModelFile.Write(new MemoryStream(), "k", null!));

        // The reader takes a kind of at most 128 printable ASCII characters (the header is not under the checksum).
        foreach (var kind in new[] { new string('k', 129), "two\nlines", "modèle" })
        {
            var e = Assert.Throws<ArgumentException>(() => ModelFile.Write(new MemoryStream(), kind, _ => { }));
            Assert.StartsWith("A model kind is 1 to 128 printable ASCII characters", e.Message, StringComparison.Ordinal);
        }

        Assert.Equal(new string('k', 128), ModelFile.Read(new MemoryStream(Sample(new string('k', 128)))).Kind);
    }
}
