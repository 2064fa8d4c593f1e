using System.Globalization;
using System.Text;
using System.Text.Json;
using EnterpriseML.Cli.Commands;
using EnterpriseML.Engine.Recommendation;

namespace EnterpriseML.IntegrationTests.Cli;

/// <summary><c>eml automl --scenario recommendation</c> on MovieLens-small (every fifth user, to keep it to seconds).</summary>
public sealed class AutoMlRecommendationCliTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("eml-recauto-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>Writes userId,movieId,rating,timestamp for every fifth user; with <paramref name="testFraction"/>, a seeded random share of rows goes to a second file.</summary>
    internal static (string Train, string? Test) WriteMovieLensSubsample(string directory, double testFraction = 0)
    {
        var data = InteractionSet.ReadCsv([TestPaths.Dataset("recsys-movielens-small.csv")],
            new InteractionColumns("userId", "movieId", Rating: "rating", Timestamp: "timestamp"))[0];
        var train = new StringBuilder("userId,movieId,rating,timestamp\n");
        var test = new StringBuilder("userId,movieId,rating,timestamp\n");
        var random = new Random(11);
        for (var i = 0; i < data.Count; i++)
        {
            var user = data.Users[data.UserIndices[i]];
            if (int.Parse(user, CultureInfo.InvariantCulture) % 5 != 0)
            {
                continue;
            }

            var line = FormattableString.Invariant($"{user},{data.Items[data.ItemIndices[i]]},{data.Ratings[i]},{data.Timestamps[i]}\n");
            (random.NextDouble() < testFraction ? test : train).Append(line);
        }

        var trainPath = Path.Combine(directory, "train.csv");
        File.WriteAllText(trainPath, train.ToString());
        if (testFraction <= 0)
        {
            return (trainPath, null);
        }

        var testPath = Path.Combine(directory, "test.csv");
        File.WriteAllText(testPath, test.ToString());
        return (trainPath, testPath);
    }

    /// <summary>
    /// Eight trials, two of each candidate (popularity and item-knn general, implicit-als and matrix-factorization
    /// specialised), so both kinds are on the leaderboard whatever the machine's load; the budget is far beyond what
    /// they take and ends nothing. It ran on an 8 s budget instead: implicit-als's default trial alone took 1.7 s of it
    /// on a busy machine, and a few times slower it hits its cap of half the sweep's budget, after which too little is
    /// left to start matrix-factorization, so no specialised trial succeeds and there is no comparison to check.
    /// </summary>
    [Fact]
    public async Task RunAsync_MovieLens_LeaderboardHasBothKindsTrueTradeOffTestMetricsAndOutFiles()
    {
        var (train, test) = WriteMovieLensSubsample(_directory, 0.2);
        var output = Path.Combine(_directory, "out");
        const double Budget = 600;
        const int Trials = 8;
        var request = new AutoMlRequest(train, test, "rating", null, "recommendation", Budget, 5, [], output, Json: true, Threads: 2, Trials, null, "cost-frugal",
            User: "userId", Item: "movieId", Timestamp: "timestamp");
        using var writer = new StringWriter();

        Assert.Equal(0, await AutoMlCommand.RunAsync(request, writer, CancellationToken.None));

        var lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        using var json = JsonDocument.Parse(Assert.Single(lines));
        var root = json.RootElement;
        Assert.Equal("recommendation", root.GetProperty("scenario").GetString());
        Assert.Equal("ndcgAt10", root.GetProperty("metric").GetString());
        Assert.Equal(Trials, root.GetProperty("trials").GetInt32());
        Assert.InRange(root.GetProperty("elapsedSeconds").GetDouble(), 0, Budget);
        var board = root.GetProperty("leaderboard").EnumerateArray().ToArray();
        Assert.Contains(board, r => r.GetProperty("kind").GetString() == "general");
        Assert.Contains(board, r => r.GetProperty("kind").GetString() == "specialised");
        Assert.All(board, r => Assert.InRange(r.GetProperty("validationScore").GetDouble(), 0.0, 1.0));
        Assert.All(board, r => Assert.InRange(r.GetProperty("testScore").GetDouble(), 0.0, 1.0));
        foreach (var key in new[] { "rank", "candidate", "trainer", "parameters", "fitSeconds", "predictMicrosecondsPerRow", "modelBytes" })
        {
            Assert.All(board, r => Assert.True(r.TryGetProperty(key, out _), key));
        }

        // The sentence is true to the leaderboard: the best of each kind, their difference and predict-cost ratio.
        var general = board.Where(r => r.GetProperty("kind").GetString() == "general").MaxBy(r => r.GetProperty("validationScore").GetDouble());
        var specialised = board.Where(r => r.GetProperty("kind").GetString() == "specialised").MaxBy(r => r.GetProperty("validationScore").GetDouble());
        var comparison = root.GetProperty("comparison");
        Assert.Equal(general.GetProperty("candidate").GetString(), comparison.GetProperty("bestGeneral").GetString());
        Assert.Equal(specialised.GetProperty("candidate").GetString(), comparison.GetProperty("bestSpecialised").GetString());
        var difference = specialised.GetProperty("validationScore").GetDouble() - general.GetProperty("validationScore").GetDouble();
        // Scores and the difference are each rounded to 6 decimals in the JSON, so they agree to within 2e-6.
        Assert.InRange(comparison.GetProperty("difference").GetDouble(), difference - 2e-6, difference + 2e-6);
        var ratio = specialised.GetProperty("predictMicrosecondsPerRow").GetDouble() / general.GetProperty("predictMicrosecondsPerRow").GetDouble();
        Assert.Equal(ratio, comparison.GetProperty("predictCostRatio").GetDouble(), 2);
        var sentence = comparison.GetProperty("sentence").GetString()!;
        Assert.Contains(FormattableString.Invariant($"{comparison.GetProperty("difference").GetDouble():+0.####;-0.####;0} ndcgAt10"), sentence, StringComparison.Ordinal);
        Assert.Contains(difference > 0 ? "(better," : "(worse,", sentence, StringComparison.Ordinal);

        // The winner's test metrics: every ranking metric, and the rating error when it predicts ratings.
        var testMetrics = root.GetProperty("test");
        foreach (var key in new[] { "precisionAt10", "recallAt10", "ndcgAt10", "mapAt10", "hitRateAt10", "coverage" })
        {
            Assert.InRange(testMetrics.GetProperty(key).GetDouble(), 0.0, 1.0);
        }

        Assert.Equal(root.GetProperty("winner").GetProperty("candidate").GetString() == "matrix-factorization", testMetrics.TryGetProperty("rmse", out _));

        // --out: the model recommends, and the report files carry the same sentence.
        Assert.Contains(sentence, File.ReadAllText(Path.Combine(output, "report.json")), StringComparison.Ordinal);
        Assert.Contains(System.Net.WebUtility.HtmlEncode(sentence), File.ReadAllText(Path.Combine(output, "report.html")), StringComparison.Ordinal);
        await using var model = File.OpenRead(Path.Combine(output, "model.eml"));
        var recommender = Recommender.Load(model);
        var top = recommender.Recommend("5", 10);
        Assert.False(top.UsedFallback);
        Assert.Equal(10, top.Items.Count);
    }

    [Fact]
    public async Task RunAsync_RecommendationWithoutUserColumn_FailsNamingTheOption()
    {
        var (train, _) = WriteMovieLensSubsample(_directory);
        var request = new AutoMlRequest(train, null, "rating", null, "recommendation", 5, 0, [], null, true, 1, null, null, "cost-frugal", Item: "movieId");

        var error = await Assert.ThrowsAsync<ArgumentException>(() => AutoMlCommand.RunAsync(request, TextWriter.Null, CancellationToken.None));

        Assert.Contains("--user", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("userid", "movieId", "rating", "--user 'userid'", "; did you mean 'userId'?")]
    [InlineData("userId", "movie", "rating", "--item 'movie'", "; did you mean 'movieId'?")]
    [InlineData("userId", "movieId", "stars", "--label 'stars'", ".")]
    public async Task RunAsync_RecommendationColumnNotInTheFile_NamesTheOptionTheFileAndItsColumns(string user, string item, string label, string named, string suggestion)
    {
        var (train, _) = WriteMovieLensSubsample(_directory);
        var request = new AutoMlRequest(train, null, label, null, "recommendation", 5, 0, [], null, true, 1, null, null, "cost-frugal", User: user, Item: item);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => AutoMlCommand.RunAsync(request, TextWriter.Null, CancellationToken.None));

        Assert.StartsWith($"{named}: {Path.GetFileName(train)} has no column of that name{suggestion} Columns: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("userId", error.Message, StringComparison.Ordinal);
    }
}
