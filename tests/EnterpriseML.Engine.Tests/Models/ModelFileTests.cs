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
    }
}
