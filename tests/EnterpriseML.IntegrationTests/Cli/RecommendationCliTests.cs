using System.Text.Json;
using EnterpriseML.Cli.Commands;
using EnterpriseML.Engine.Recommendation;
using EnterpriseML.IntegrationTests.Infrastructure;

namespace EnterpriseML.IntegrationTests.Cli;

public sealed class RecommendationCliTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("eml-recsys-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static RecommendationTrainRequest Request(string trainer, string? save, params string[] settings) => new(
        TestPaths.Dataset("recsys-scotch-implicit.csv"), null, "respondent", "brand", null, trainer, settings, Seed: 1, Threads: 2, save, Json: true);

    [Theory]
    [InlineData("popularity")]
    [InlineData("item-knn")]
    [InlineData("implicit-als")]
    public async Task RunAsync_Scotch_PrintsOneJsonLineWithRankingMetrics(string trainer)
    {
        using var output = new StringWriter();

        var code = await RecommendationTraining.RunAsync(Request(trainer, null), output);

        Assert.Equal(0, code);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        using var json = JsonDocument.Parse(lines[0]);
        Assert.Equal("recommendation", json.RootElement.GetProperty("task").GetString());
        Assert.Equal(trainer, json.RootElement.GetProperty("trainer").GetString());
        var metrics = json.RootElement.GetProperty("metrics");
        Assert.False(metrics.TryGetProperty("rmse", out _));
        foreach (var key in new[] { "precisionAt10", "recallAt10", "ndcgAt10", "mapAt10", "hitRateAt10", "coverage" })
        {
            Assert.InRange(metrics.GetProperty(key).GetDouble(), 0.0, 1.0);
        }

        Assert.InRange(metrics.GetProperty("hitRateAt10").GetDouble(), 0.3, 1.0);
    }

    [Fact]
    public async Task RunAsync_MovieLensMatrixFactorization_ReportsRmseAndSavesAModelThatRecommends()
    {
        var save = Path.Combine(_directory, "mf.eml");
        var request = new RecommendationTrainRequest(TestPaths.Dataset("recsys-movielens-small.csv"), null, "userId", "movieId", "rating",
            "matrix-factorization", ["NumberOfFactors=16", "NumberOfEpochs=10", "timestamp=timestamp"], 3, 1, save, true);
        using var output = new StringWriter();

        Assert.Equal(0, await RecommendationTraining.RunAsync(request, output));

        using var json = JsonDocument.Parse(output.ToString());
        Assert.InRange(json.RootElement.GetProperty("metrics").GetProperty("rmse").GetDouble(), 0.7, 1.0);
        Assert.InRange(json.RootElement.GetProperty("metrics").GetProperty("mae").GetDouble(), 0.5, 0.8);

        using var recommendation = new StringWriter();
        var code = await RecommendCommand.RunAsync(new RecommendCommand.Request(save, "1", 5, true, null, null, null, null, false, null, null), recommendation, default);
        Assert.Equal(0, code);
        using var top = JsonDocument.Parse(recommendation.ToString());
        Assert.False(top.RootElement.GetProperty("fallback").GetBoolean());
        Assert.Equal(5, top.RootElement.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task RecommendCommand_ColdUserFilterAndBatch_Work()
    {
        var save = Path.Combine(_directory, "pop.eml");
        using var trainOutput = new StringWriter();
        Assert.Equal(0, await RecommendationTraining.RunAsync(Request("popularity", save), trainOutput));

        using var cold = new StringWriter();
        Assert.Equal(0, await RecommendCommand.RunAsync(new RecommendCommand.Request(save, "nobody", 3, true, null, "Chivas.Regal", null, null, false, null, null), cold, default));
        using var json = JsonDocument.Parse(cold.ToString());
        Assert.True(json.RootElement.GetProperty("fallback").GetBoolean());
        Assert.DoesNotContain(json.RootElement.GetProperty("items").EnumerateArray(), i => i.GetProperty("item").GetString() == "Chivas.Regal");

        var csv = Path.Combine(_directory, "all.csv");
        using var batch = new StringWriter();
        Assert.Equal(0, await RecommendCommand.RunAsync(new RecommendCommand.Request(save, null, 2, false, null, null, null, null, true, csv, 2), batch, default));
        var lines = File.ReadAllLines(csv);
        Assert.Equal("user,rank,item,score", lines[0]);
        Assert.True(lines.Length > 1000);
    }

    [Fact]
    public async Task RunAsync_BadOptionOrTrainer_ReturnsTwo()
    {
        using var output = new StringWriter();

        Assert.Equal(2, await RecommendationTraining.RunAsync(Request("implicit-als", null, "NumberOfFactors=0"), output));
        Assert.Equal(2, await RecommendationTraining.RunAsync(Request("no-such-trainer", null), output));
        Assert.Equal(2, await RecommendationTraining.RunAsync(Request("popularity", null, "NoSuchOption=1"), output));
        Assert.Equal(string.Empty, output.ToString());
    }

    [Theory]
    [InlineData("respondant", "brand", null, "--user 'respondant'", null, "respondent")]
    [InlineData("respondent", "brands", null, "--item 'brands'", null, "brand")]
    [InlineData("respondent", "Brand", null, "--item 'Brand'", null, "brand")]
    [InlineData("respondent", "brand", "rating", "--label 'rating'")]
    [InlineData("respondent", "brand", null, "--set timestamp 'when'", "when")]
    public void CheckColumns_AColumnNotInTheFile_NamesTheOptionTheFileAndItsColumns(string user, string item, string? rating, string named, string? timestamp = null, string? closest = null)
    {
        var path = TestPaths.Dataset("recsys-scotch-implicit.csv");

        var e = Assert.Throws<ArgumentException>(() => RecommendationTraining.CheckColumns([path], new InteractionColumns(user, item, rating, timestamp)));

        var suggestion = closest is null ? "." : $"; did you mean '{closest}'?";
        Assert.Equal($"{named}: recsys-scotch-implicit.csv has no column of that name{suggestion} Columns: respondent, brand.", e.Message);
    }

    /// <summary>
    /// <c>eml train --task recommendation</c> on a file whose fifth line (third data row, below a title quoted over two
    /// lines) has no user: one error line naming the file, the line and the column, exit 2. It said "Table 1, data row
    /// 3 ... (Parameter 'column')".
    /// </summary>
    [Fact]
    public async Task Train_InteractionWithoutUser_NamesFileLineAndColumn_Exit2()
    {
        var path = Path.Combine(_directory, "ratings.csv");
        File.WriteAllText(path, "user,item,title\n1,a,\"A\ntitle\"\n2,a,x\n,b,y\n");

        var (code, stdout, stderr) = await Processes.RunAsync(Processes.CliDll,
            ["train", "--task", "recommendation", "--train", path, "--user", "user", "--item", "item", "--trainer", "popularity"]);

        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Equal("eml: error: ratings.csv, line 5: column 'user' is empty; every interaction needs it.", stderr.Trim());
    }

    /// <summary>
    /// A rating the file gives as <c>NaN</c> (which the reader stores as it stores an empty cell) is quoted as written,
    /// with the file, the line and what is expected; a rating left empty is still "empty". Both said "is empty".
    /// </summary>
    [Theory]
    [InlineData("NaN", "ratings.csv, line 4: column 'rating' holds 'NaN', which reads as a missing value; expected a finite number.")]
    [InlineData(" NA ", "ratings.csv, line 4: column 'rating' holds 'NA', which reads as a missing value; expected a finite number.")]
    [InlineData("", "ratings.csv, line 4: column 'rating' is empty; every interaction needs it.")]
    public async Task Train_RatingNaNOrEmpty_SaysWhichWithFileAndLine_Exit2(string rating, string expected)
    {
        var path = Path.Combine(_directory, "ratings.csv");
        File.WriteAllText(path, $"user,item,rating\n1,a,4\n2,a,3.5\n2,b,{rating}\n3,b,5\n");

        var (code, stdout, stderr) = await Processes.RunAsync(Processes.CliDll,
            ["train", "--task", "recommendation", "--train", path, "--user", "user", "--item", "item", "--label", "rating", "--trainer", "popularity"]);

        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Equal("eml: error: " + expected, stderr.Trim());
    }

    /// <summary>
    /// A user, item or timestamp the file gives as a missing-value marker (<c>NA</c>, <c>NaN</c>, <c>null</c>, which
    /// the reader stores as it stores an empty cell) is quoted as written, with the file, the line and the column, and
    /// the error says the value cannot be missing; an empty one is still "empty". All said "is empty".
    /// </summary>
    [Theory]
    [InlineData("user", "NA", "ratings.csv, line 4: column 'user' holds 'NA', which reads as a missing value; a user id cannot be missing; every interaction needs one.")]
    [InlineData("user", "", "ratings.csv, line 4: column 'user' is empty; every interaction needs it.")]
    [InlineData("item", "NaN", "ratings.csv, line 4: column 'item' holds 'NaN', which reads as a missing value; an item id cannot be missing; every interaction needs one.")]
    [InlineData("item", " N/A ", "ratings.csv, line 4: column 'item' holds 'N/A', which reads as a missing value; an item id cannot be missing; every interaction needs one.")]
    [InlineData("when", "null", "ratings.csv, line 4: column 'when' holds 'null', which reads as a missing value; a timestamp cannot be missing; every interaction needs one.")]
    [InlineData("when", "NA", "ratings.csv, line 4: column 'when' holds 'NA', which reads as a missing value; a timestamp cannot be missing; every interaction needs one.")]
    public async Task Train_IdOrTimestampWrittenAsMissingMarker_QuotesItWithFileLineAndColumn_Exit2(string column, string written, string expected)
    {
        var path = Path.Combine(_directory, "ratings.csv");
        var row = new Dictionary<string, string> { ["user"] = "2", ["item"] = "b", ["when"] = "1700000200" };
        row[column] = written;
        File.WriteAllText(path, $"user,item,when\n1,a,1700000000\n2,a,1700000100\n{row["user"]},{row["item"]},{row["when"]}\n3,b,1700000300\n");

        var (code, stdout, stderr) = await Processes.RunAsync(Processes.CliDll,
            ["train", "--task", "recommendation", "--train", path, "--user", "user", "--item", "item", "--trainer", "popularity", "--set", "timestamp=when"]);

        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Equal("eml: error: " + expected, stderr.Trim());
    }

    /// <summary>
    /// item-knn on interactions with a weight of 0 (twelve users each with a = 1 and b = 0): training finishes and
    /// prints its metrics. It crashed with an unhandled IndexOutOfRangeException and a stack trace.
    /// </summary>
    [Fact]
    public async Task Train_ItemKnnWithZeroWeights_Exit0()
    {
        var path = Path.Combine(_directory, "clicks.csv");
        var rows = new List<string> { "user,item,clicks" };
        for (var u = 0; u < 12; u++)
        {
            rows.Add($"u{u},a,1");
            rows.Add($"u{u},b,0");
            rows.Add($"u{u},c,{(u % 3) + 1}");
        }

        File.WriteAllLines(path, rows);

        var (code, stdout, stderr) = await Processes.RunAsync(Processes.CliDll,
            ["train", "--task", "recommendation", "--train", path, "--user", "user", "--item", "item", "--trainer", "item-knn",
             "--set", "weight=clicks", "--json"]);

        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal("item-knn", json.RootElement.GetProperty("trainer").GetString());
    }
}
