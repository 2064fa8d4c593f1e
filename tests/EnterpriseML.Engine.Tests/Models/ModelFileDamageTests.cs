using System.Security.Cryptography;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Recommendation;
using EnterpriseML.Engine.Tests.Recommendation;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Trainers.Neighbors;

namespace EnterpriseML.Engine.Tests.Models;

/// <summary>
/// Real model files (a tabular pipeline and a recommender) damaged as files get damaged: empty, cut short, one byte
/// changed anywhere, another file's magic, a newer container version. Loading one from its path is a
/// <see cref="ModelFormatException"/> naming the file and what is wrong; never another exception, and never a model
/// that predicts differently from the one saved.
/// </summary>
public sealed class ModelFileDamageTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("eml-model-files-");

    public static TheoryData<string> Kinds => ["tabular", "recommender"];

    public void Dispose() => _directory.Delete(recursive: true);

    [Theory]
    [MemberData(nameof(Kinds))]
    public void LoadPath_DamagedFile_ModelFormatExceptionNamingTheFileAndTheDamage(string kind)
    {
        var clean = Saved(kind);
        var wrongMagic = (byte[])clean.Clone();
        "PK\u0003\u0004"u8.CopyTo(wrongMagic);
        var newer = (byte[])clean.Clone();
        newer[4] = ModelFile.ContainerVersion + 1;
        var flipped = (byte[])clean.Clone();
        flipped[clean.Length / 2] ^= 0x01;
        var damages = new (string Name, byte[] Bytes, string Expected)[]
        {
            ("empty.eml", [], "it is empty"),
            ("three-bytes.eml", clean[..3], "bad magic bytes"),
            ("header-cut.eml", clean[..12], "Truncated model file"),
            ("half.eml", clean[..(clean.Length / 2)], "Truncated model file"),
            ("no-last-byte.eml", clean[..^1], "Truncated model file"),
            ("zip.eml", wrongMagic, "bad magic bytes"),
            ("newer.eml", newer, $"container version {ModelFile.ContainerVersion + 1} is not supported"),
            ("flipped.eml", flipped, "checksum does not match"),
        };

        foreach (var (name, bytes, expected) in damages)
        {
            var path = Path.Combine(_directory.FullName, name);
            File.WriteAllBytes(path, bytes);
            var e = Assert.Throws<ModelFormatException>(() => LoadPath(kind, path));
            Assert.StartsWith($"{name}: ", e.Message, StringComparison.Ordinal);
            Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        }

        Assert.EndsWith("it was written by a newer engine.", Assert.Throws<ModelFormatException>(() => LoadPath(kind, Path.Combine(_directory.FullName, "newer.eml"))).Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// The checksum covers the header's kind and engine version as well as the payload (container version 2), so no
    /// byte changes unnoticed: an engine version edited within printable ASCII had loaded, recording a wrong version.
    /// </summary>
    [Theory]
    [MemberData(nameof(Kinds))]
    public void Load_AnyOneByteChanged_RejectedWithAShortMessage(string kind)
    {
        var clean = Saved(kind);
        // Every byte of the header and of the checksum, and payload bytes spread over the file.
        var offsets = Enumerable.Range(0, 64).Concat(Enumerable.Range(clean.Length - 40, 40)).Concat(Enumerable.Range(0, 64).Select(i => 64 + (i * (clean.Length - 104) / 64)));
        foreach (var offset in offsets.Distinct())
        {
            foreach (var change in new byte[] { 0x01, 0x80, 0xFF })
            {
                var bytes = (byte[])clean.Clone();
                bytes[offset] ^= change;
                var e = Assert.Throws<ModelFormatException>(() => Load(kind, bytes));

                // Precise: says what is wrong in a sentence, not a dump of the bytes it misread.
                Assert.InRange(e.Message.Length, 20, 300);
            }
        }
    }

    /// <summary>
    /// A file as engines before container version 2 wrote it (version 1, the SHA-256 of the payload alone) loads as
    /// the same model; a changed payload byte is still a checksum mismatch.
    /// </summary>
    [Theory]
    [MemberData(nameof(Kinds))]
    public void Load_ContainerVersion1File_SameModelAndPayloadStillVerified(string kind)
    {
        var clean = Saved(kind);
        var (payloadStart, payloadLength) = ModelFileLayout.PayloadRange(clean);
        var version1 = (byte[])clean.Clone();
        BitConverter.GetBytes(1).CopyTo(version1, 4);
        SHA256.HashData(version1.AsSpan(payloadStart, payloadLength)).CopyTo(version1, payloadStart + payloadLength);

        Assert.Equal(Fingerprint(Load(kind, clean)), Fingerprint(Load(kind, version1)));
        version1[payloadStart + (payloadLength / 2)] ^= 0x01;
        Assert.Equal("Corrupt model file: the payload checksum does not match.", Assert.Throws<ModelFormatException>(() => Load(kind, version1)).Message);
    }

    private static byte[] Saved(string kind)
    {
        using var stream = new MemoryStream();
        if (kind == "tabular")
        {
            ModelTestData.Train("logistic-regression", TaskKind.Binary, out _).Save(stream);
        }
        else
        {
            new PopularityTrainer().Fit(ImplicitSplit.SmallTrain).Save(stream);
        }

        return stream.ToArray();
    }

    private static object Load(string kind, byte[] bytes) =>
        kind == "tabular" ? ModelPipeline.Load(new MemoryStream(bytes)) : Recommender.Load(new MemoryStream(bytes));

    private static object LoadPath(string kind, string path) => kind == "tabular" ? ModelPipeline.Load(path) : Recommender.Load(path);

    /// <summary>What the model predicts: a tabular model's outputs on credit rows, a recommender's top 20 of a few users.</summary>
    private static int[] Fingerprint(object model)
    {
        if (model is ModelPipeline pipeline)
        {
            return ModelTestData.Bits(pipeline.Predict(ModelTestData.Head(ModelTestData.CreditGerman, 50)));
        }

        var recommender = (Recommender)model;
        var fingerprint = new List<int>();
        foreach (var user in ImplicitSplit.SmallTrain.Users.Ids.Take(5))
        {
            foreach (var item in recommender.Recommend(user, 20).Items)
            {
                fingerprint.Add(BitConverter.SingleToInt32Bits(item.Score));
                fingerprint.Add(string.GetHashCode(item.ItemId, StringComparison.Ordinal));
            }
        }

        return [.. fingerprint];
    }
}
