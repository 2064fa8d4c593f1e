using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Recommendation;
using EnterpriseML.Engine.Tests.Recommendation;
using EnterpriseML.Engine.Tests.Trainers;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Trainers.Neighbors;

namespace EnterpriseML.Engine.Tests.Models;

/// <summary>
/// A model file whose names (a predictor format, a column, a recommender kind) were replaced by a name of 1 MB under a
/// recomputed checksum: the <see cref="ModelFormatException"/> names the file and quotes the start of the name with
/// an ellipsis and its length (<see cref="PayloadReader.Quote"/>), instead of a message of a megabyte.
/// </summary>
public sealed class LongNameMessageTests : IDisposable
{
    private const int NameLength = 1 << 20;

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("eml-long-name-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Theory]
    [InlineData("gbdt/1", 1, "Unknown predictor format 'nnnn")]
    [InlineData("gbdt/1", 2, "Expected a 'gbdt/1' model, found 'nnnn")]
    [InlineData("amount", 2, "A featurizer reads column 'nnnn")]
    [InlineData("region", 2, "A featurizer reads column 'nnnn")]
    public void Load_TabularModelWithMegabyteName_ShortMessageQuotingItsStart(string name, int occurrence, string expected)
    {
        using var stream = new MemoryStream();
        MixedTable.Model("gbdt", TaskKind.Binary).Save(stream);
        var message = Refused(stream.ToArray(), name, occurrence, path => ModelPipeline.Load(path));
        Assert.Contains(expected, message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SchemaNamingAMegabyteInputTwice_ShortMessage()
    {
        using var stream = new MemoryStream();
        MixedTable.Model("gbdt", TaskKind.Binary).Save(stream);
        var file = Renamed(stream.ToArray(), "amount", 1);
        var message = Refused(file, "score", 1, path => ModelPipeline.Load(path));
        Assert.Contains("The schema names input 'nnnn", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_RecommenderOfMegabyteKind_ShortMessage()
    {
        using var stream = new MemoryStream();
        ImplicitFeedback.Fit(new PopularityTrainer(), RecommendationData.MovieLens.Select([.. Enumerable.Range(0, 500)]), 4f).Save(stream);
        var message = Refused(stream.ToArray(), "popularity", 1, path => Recommender.Load(path));
        Assert.Contains("Unknown recommender kind 'nnnn", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "''")]
    [InlineData("amount", "'amount'")]
    public void Quote_ShortName_WholeInQuotes(string name, string expected) => Assert.Equal(expected, PayloadReader.Quote(name));

    [Fact]
    public void Quote_LongName_CutWithEllipsisAndLength()
    {
        var exact = new string('a', PayloadReader.QuotedNameLength);
        Assert.Equal($"'{exact}'", PayloadReader.Quote(exact));
        Assert.Equal($"'{exact}…' ({PayloadReader.QuotedNameLength + 1:N0} characters)", PayloadReader.Quote(exact + "b"));

        // A surrogate pair across the cut is left out whole, never halved.
        var pair = new string('a', PayloadReader.QuotedNameLength - 1) + "\U0001F600" + "tail";
        Assert.Equal($"'{pair[..(PayloadReader.QuotedNameLength - 1)]}…' ({pair.Length:N0} characters)", PayloadReader.Quote(pair));
    }

    /// <summary>
    /// Loads <paramref name="file"/> with occurrence <paramref name="occurrence"/> of the string <paramref name="name"/>
    /// replaced by a 1 MB name; returns the message of the <see cref="ModelFormatException"/> it must throw, checked short.
    /// </summary>
    private string Refused(byte[] file, string name, int occurrence, Action<string> load)
    {
        var path = Path.Combine(_directory.FullName, "long-name.eml");
        File.WriteAllBytes(path, Renamed(file, name, occurrence));
        var error = Assert.Throws<ModelFormatException>(() => load(path));
        Assert.StartsWith("long-name.eml: ", error.Message, StringComparison.Ordinal);
        Assert.Contains($"nnnn…' ({NameLength:N0} characters)", error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Length <= 400, $"A message of {error.Message.Length:N0} characters: {error.Message[..Math.Min(300, error.Message.Length)]}");
        return error.Message;
    }

    /// <summary>The file with occurrence <paramref name="occurrence"/> (from 1) of the written string <paramref name="name"/> replaced by 1 MB of 'n', rehashed.</summary>
    private static byte[] Renamed(byte[] file, string name, int occurrence)
    {
        var (start, payload) = ModelFileLayout.Payload(file);
        var find = Encoded(name);
        var at = -1;
        for (var n = 0; n < occurrence; n++)
        {
            var next = payload.AsSpan(at + 1).IndexOf(find);
            Assert.True(next >= 0, $"The payload holds '{name}' fewer than {occurrence} times.");
            at += 1 + next;
        }

        byte[] edited = [.. payload.AsSpan(0, at), .. Encoded(new string('n', NameLength)), .. payload.AsSpan(at + find.Length)];
        return ModelFileLayout.Rehashed(file, start, edited);
    }

    private static byte[] Encoded(string value)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(value);
        }

        return stream.ToArray();
    }
}
