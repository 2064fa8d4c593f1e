using System.Text.Json;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Recommendation;
using EnterpriseML.IntegrationTests.Infrastructure;

namespace EnterpriseML.IntegrationTests.Cli;

/// <summary>
/// <c>eml recommend</c> and the recommendation runs of <c>eml train</c> and <c>eml automl</c> as a user meets them, in
/// a real process: a path that cannot be used, an option of another mode, a column named for two roles. Each is one
/// line <c>eml: error: ...</c> naming the option, exit code 2, empty standard output and no file left behind. And
/// output a user reads: undefined metrics, ids with commas, quotes and accents.
/// </summary>
public sealed class RecommendCliErrorTests : IDisposable
{
    private static readonly string Scotch = TestPaths.Dataset("recsys-scotch-implicit.csv");
    private readonly string _directory = Directory.CreateTempSubdirectory("eml-cli-recommend-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private async Task<string> PopularityModelAsync()
    {
        var model = Path.Combine(_directory, "pop.eml");
        var (code, _, stderr) = await Processes.RunAsync(Processes.CliDll,
            ["train", "--task", "recommendation", "--train", Scotch, "--user", "respondent", "--item", "brand", "--trainer", "popularity", "--save", model, "--json"]);
        Assert.True(code == 0, stderr);
        return model;
    }

    private static async Task AssertErrorAsync(string expected, params string[] arguments)
    {
        var (code, stdout, stderr) = await Processes.RunAsync(Processes.CliDll, arguments);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Equal("eml: error: " + expected, stderr.Trim());
    }

    /// <summary>
    /// A directory given as the model or the output file, and an output below a file, are refused naming the option.
    /// Before, the first two said "Access to the path ... is denied." and the third "Could not find a part of the path".
    /// </summary>
    [Fact]
    public async Task Recommend_DirectoryOrPathBelowAFile_ErrorNamesTheOption_NothingWritten()
    {
        var model = await PopularityModelAsync();
        var directory = Directory.CreateDirectory(Path.Combine(_directory, "folder")).FullName;
        var belowFile = Path.Combine(model, "all.csv");

        await AssertErrorAsync($"--model '{directory}' is a directory; --model names a file to read.",
            "recommend", "--model", directory, "--user", "1");
        await AssertErrorAsync($"--output '{directory}' is a directory; --output names the file to write.",
            "recommend", "--model", model, "--all-users", "--output", directory);
        await AssertErrorAsync($"--output '{belowFile}': '{model}' is a file, so nothing can be written below it.",
            "recommend", "--model", model, "--all-users", "--output", belowFile);

        Assert.Empty(Directory.GetFileSystemEntries(directory));
        Assert.Equal(["pop.eml"], Directory.GetFileSystemEntries(_directory).Select(Path.GetFileName).Where(n => n != "folder"));
    }

    /// <summary>
    /// <c>--all-users</c> creates the output's missing directories, as every other output of the CLI does, and leaves
    /// only the finished file. Before, it failed with "Could not find a part of the path".
    /// </summary>
    [Fact]
    public async Task Recommend_AllUsersIntoNewDirectories_WritesTheFileAndNothingElse()
    {
        var model = await PopularityModelAsync();
        var output = Path.Combine(_directory, "new", "deeper", "all.csv");

        var (code, stdout, stderr) = await Processes.RunAsync(Processes.CliDll,
            ["recommend", "--model", model, "--all-users", "--output", output, "--top", "2", "--json"]);

        Assert.True(code == 0, stderr);
        Assert.StartsWith("{\"users\":2218,\"rows\":", stdout.Trim(), StringComparison.Ordinal);
        var lines = await File.ReadAllLinesAsync(output);
        Assert.Equal("user,rank,item,score", lines[0]);
        // Three respondents have 20 of the 21 brands: one is left to recommend to each (the held-out ones are theirs too).
        Assert.Equal(1 + (2 * 2218) - 3, lines.Length);
        Assert.Equal(["all.csv"], Directory.GetFileSystemEntries(Path.GetDirectoryName(output)!).Select(Path.GetFileName));
    }

    /// <summary>
    /// Every <c>--json</c> line writes a path as it was given, accents and all, as the recommendation lines always did:
    /// <c>eml train --json</c> printed the tabular model's path as <c>gr\u00FCn</c>, and <c>--all-users --json</c> its output so.
    /// </summary>
    [Fact]
    public async Task JsonLines_PathsWithAccents_PrintAsTheyAre()
    {
        var folder = Path.Combine(_directory, "grün");
        var tabular = Path.Combine(folder, "crédit.eml");
        var recommender = Path.Combine(folder, "pop.eml");
        var output = Path.Combine(folder, "all.csv");

        var (code, stdout, stderr) = await Processes.RunAsync(Processes.CliDll,
            ["train", "--train", TestPaths.Dataset("credit-german-statlog.csv"), "--label", "class", "--positive", "bad", "--trainer", "logistic-regression", "--save", tabular, "--json"]);
        Assert.True(code == 0, stderr);
        Assert.EndsWith($",\"model\":\"{tabular}\"}}", stdout.Trim(), StringComparison.Ordinal);

        (code, stdout, stderr) = await Processes.RunAsync(Processes.CliDll,
            ["train", "--task", "recommendation", "--train", Scotch, "--user", "respondent", "--item", "brand", "--trainer", "popularity", "--save", recommender, "--json"]);
        Assert.True(code == 0, stderr);
        Assert.EndsWith($",\"model\":\"{recommender}\"}}", stdout.Trim(), StringComparison.Ordinal);

        (code, stdout, stderr) = await Processes.RunAsync(Processes.CliDll,
            ["recommend", "--model", recommender, "--all-users", "--output", output, "--top", "1", "--json"]);
        Assert.True(code == 0, stderr);
        Assert.Equal($"{{\"users\":2218,\"rows\":2218,\"output\":\"{output}\"}}", stdout.Trim());
    }

    /// <summary>
    /// <c>eml automl --json</c> writes non-ASCII text as it is, as <c>eml train --json</c> does: the columns größe and
    /// artículo in the winner's pipeline, the saved model's path below <c>données</c>. Both go through the engine's one
    /// encoder (<c>ReportJson.Encoder</c>); the CLI had its own copy of it, which could drift from the report's.
    /// </summary>
    [Fact]
    public async Task JsonLines_AutoMlAndTrain_NonAsciiColumnsAndPathsPrintAsTheyAre()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_directory, "données")).FullName;
        var train = Path.Combine(folder, "scotch.csv");
        File.WriteAllLines(train, File.ReadLines(Scotch).Skip(1).Prepend("größe,artículo"));
        var model = Path.Combine(folder, "pop.eml");

        var (code, stdout, stderr) = await Processes.RunAsync(Processes.CliDll,
            ["automl", "--scenario", "recommendation", "--train", train, "--user", "größe", "--item", "artículo", "--max-trials", "3", "--budget", "300", "--threads", "1", "--json"]);
        Assert.True(code == 0, stderr);
        var line = Assert.Single(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        using var json = JsonDocument.Parse(line);
        Assert.StartsWith("interactions(größe × artículo) + ", json.RootElement.GetProperty("winner").GetProperty("pipeline").GetString(), StringComparison.Ordinal);
        Assert.Contains("\"pipeline\":\"interactions(größe × artículo) + ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u", line, StringComparison.Ordinal);

        (code, stdout, stderr) = await Processes.RunAsync(Processes.CliDll,
            ["train", "--task", "recommendation", "--train", train, "--user", "größe", "--item", "artículo", "--trainer", "popularity", "--save", model, "--json"]);
        Assert.True(code == 0, stderr);
        Assert.EndsWith($",\"model\":\"{model}\"}}", stdout.Trim(), StringComparison.Ordinal);
    }

    /// <summary>
    /// An option that only another mode reads is an error, not dropped without a word: <c>--output</c> with
    /// <c>--user</c> had printed to the terminal and written no file. An empty item list would have allowed nothing.
    /// </summary>
    [Fact]
    public async Task Recommend_OptionOfAnotherModeOrAnEmptyItemList_IsAnError()
    {
        var model = await PopularityModelAsync();
        var output = Path.Combine(_directory, "recs.csv");

        await AssertErrorAsync("--output applies to --all-users only; --user and --similar-to print to standard output.",
            "recommend", "--model", model, "--user", "1", "--output", output);
        await AssertErrorAsync("--threads applies to --all-users only.",
            "recommend", "--model", model, "--similar-to", "Chivas.Regal", "--threads", "2");
        await AssertErrorAsync("--segment applies to --user only: it picks the cold-start fallback's ranking for that user.",
            "recommend", "--model", model, "--similar-to", "Chivas.Regal", "--segment", "north");
        await AssertErrorAsync("--include-items ',' names no item id; give one or more, comma-separated.",
            "recommend", "--model", model, "--user", "1", "--include-items", ",");
        Assert.False(File.Exists(output));
    }

    /// <summary>Item ids the model does not know get a warning: a typo had silently emptied an allow-list.</summary>
    [Fact]
    public async Task Recommend_UnknownItemIds_WarnAndStillAnswer()
    {
        var model = await PopularityModelAsync();

        var (code, stdout, stderr) = await Processes.RunAsync(Processes.CliDll,
            ["recommend", "--model", model, "--user", "nobody", "--include-items", "Chivas.Regal,Chivas.Regall", "--json"]);

        Assert.Equal(0, code);
        Assert.Equal("{\"model\":\"popularity\",\"user\":\"nobody\",\"fallback\":true,\"items\":[{\"item\":\"Chivas.Regal\",\"score\":572}]}", stdout.Trim());
        Assert.Equal("eml: warning: --include-items: the model has no item 'Chivas.Regall'.", stderr.Trim());
    }


    /// <summary>
    /// The model <c>eml train --save</c> stores after its per-user split never recommends back an item the user has in
    /// the file: the held-out part (each user's latest 20 %) is excluded too, while the printed metrics stay those of
    /// the split. Before, MovieLens top-10 lists held hundreds of films their users had rated (483 slots for
    /// popularity, 363 for matrix-factorization at 5 epochs; 781 for implicit-als at its defaults).
    /// </summary>
    [Theory]
    [InlineData("popularity", "TimeDecayHalfLifeDays=0")]
    [InlineData("matrix-factorization", "NumberOfEpochs=5")]
    public async Task TrainSave_ThenRecommendAllUsers_NoUserGetsBackAnItemTheyRated(string trainer, string option)
    {
        var movieLens = TestPaths.Dataset("recsys-movielens-small.csv");
        var model = Path.Combine(_directory, trainer + ".eml");
        var trained = await Processes.RunAsync(Processes.CliDll,
            ["train", "--task", "recommendation", "--train", movieLens, "--user", "userId", "--item", "movieId", "--label", "rating",
             "--set", "timestamp=timestamp", "--set", option, "--trainer", trainer, "--seed", "42", "--threads", "1", "--save", model, "--json"]);
        Assert.True(trained.Code == 0, trained.Err);
        Assert.True(JsonDocument.Parse(trained.Out).RootElement.GetProperty("metrics").GetProperty("ndcgAt10").GetDouble() > 0, trained.Out);
        var output = Path.Combine(_directory, trainer + ".csv");
        var (code, _, stderr) = await Processes.RunAsync(Processes.CliDll, ["recommend", "--model", model, "--all-users", "--output", output, "--top", "10"]);
        Assert.True(code == 0, stderr);

        var data = InteractionSet.ReadCsv([movieLens], new InteractionColumns("userId", "movieId"))[0];
        var rated = new HashSet<(string User, string Item)>();
        for (var row = 0; row < data.Count; row++)
        {
            rated.Add((data.Users[data.UserIndices[row]], data.Items[data.ItemIndices[row]]));
        }

        var lines = (await File.ReadAllLinesAsync(output)).Skip(1).Select(l => l.Split(',')).ToArray();
        Assert.Equal(10 * 671, lines.Length);
        var back = lines.Where(l => rated.Contains((l[0], l[2]))).Select(l => $"user {l[0]} item {l[2]}").ToArray();
        Assert.True(back.Length == 0, $"{back.Length} recommended items were rated by their user: {string.Join(", ", back.Take(5))}");
    }

    /// <summary>
    /// <c>--similar-to</c> an item of the model's id map that it was not trained on (on MovieLens, a film only rated
    /// below the relevance threshold of 4, which an implicit-feedback trainer leaves out) is an error saying so, as the
    /// API's <c>/similar</c> is a 404 for it. Before, it printed an empty list with exit code 0, as if the item had no
    /// neighbours.
    /// </summary>
    [Fact]
    public async Task Recommend_SimilarToAnItemTheModelWasNotTrainedOn_IsAnError()
    {
        var model = Path.Combine(_directory, "movies.eml");
        var trained = await Processes.RunAsync(Processes.CliDll,
            ["train", "--task", "recommendation", "--train", TestPaths.Dataset("recsys-movielens-small.csv"), "--user", "userId", "--item", "movieId",
             "--label", "rating", "--trainer", "popularity", "--save", model]);
        Assert.True(trained.Code == 0, trained.Err);
        var recommender = Recommender.Load(model);
        var unlearnt = recommender.Items[Enumerable.Range(0, recommender.Items.Count).First(i => !recommender.IsKnownItem(i))];
        var learnt = recommender.Items[Enumerable.Range(0, recommender.Items.Count).First(recommender.IsKnownItem)];

        await AssertErrorAsync(
            $"--similar-to '{unlearnt}': the model was not trained on any interaction with this item (it is only in the held-out test part, or only rated below the relevance threshold of an implicit-feedback trainer), so it has nothing to compare it by.",
            "recommend", "--model", model, "--similar-to", unlearnt, "--json");
        var (code, stdout, stderr) = await Processes.RunAsync(Processes.CliDll, ["recommend", "--model", model, "--similar-to", learnt, "--top", "3", "--json"]);
        Assert.True(code == 0, stderr);
        Assert.Equal(3, JsonDocument.Parse(stdout).RootElement.GetProperty("items").GetArrayLength());
    }
    /// <summary>
    /// One column for two roles is an error naming both options. Before, <c>eml train</c> trained on user = item and
    /// reported zeros, and <c>eml automl</c> failed with "column 'brand' is set to Numeric".
    /// </summary>
    [Fact]
    public async Task TrainAndAutoMl_OneColumnForTwoRoles_ErrorNamesBothOptions()
    {
        await AssertErrorAsync("--user and --item both name the column 'respondent'; each needs a column of its own.",
            "train", "--task", "recommendation", "--train", Scotch, "--user", "respondent", "--item", "respondent", "--trainer", "popularity");
        await AssertErrorAsync("--item and --label both name the column 'brand'; each needs a column of its own.",
            "automl", "--scenario", "recommendation", "--train", Scotch, "--user", "respondent", "--item", "brand", "--label", "brand", "--max-trials", "1");
    }

    /// <summary>
    /// A recommendation <c>--save</c> that names a directory is refused before training, as the tabular one is, and an
    /// engine argument error carries no C# parameter name. Before: "Cannot write '...': Is a directory" after
    /// training, and "... pass a rating column. (Parameter 'train')".
    /// </summary>
    [Fact]
    public async Task TrainRecommendation_SaveIsADirectoryOrNoRatings_PreciseError()
    {
        await AssertErrorAsync($"--save '{_directory}' is a directory; --save names the file to write.",
            "train", "--task", "recommendation", "--train", Scotch, "--user", "respondent", "--item", "brand", "--trainer", "popularity", "--save", _directory);
        await AssertErrorAsync("Matrix factorisation needs at least one explicit rating; pass a rating column.",
            "train", "--task", "recommendation", "--train", Scotch, "--user", "respondent", "--item", "brand", "--trainer", "matrix-factorization");
    }

    /// <summary>
    /// When no test user has an item to rank (one interaction, so nothing is held out), the ranking metrics are
    /// undefined: null in <c>--json</c>, n/a in the table, and a warning says why. Before, they were 0, which reads as a
    /// model that never hits.
    /// </summary>
    [Fact]
    public async Task TrainRecommendation_NoTestUserToRank_MetricsNullAndAWarning()
    {
        var train = Path.Combine(_directory, "one.csv");
        await File.WriteAllTextAsync(train, "user,item\nu1,a\n");
        string[] arguments = ["train", "--task", "recommendation", "--train", train, "--user", "user", "--item", "item", "--trainer", "popularity"];

        var (code, stdout, stderr) = await Processes.RunAsync(Processes.CliDll, [.. arguments, "--json"]);

        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal(0, json.RootElement.GetProperty("evaluatedUsers").GetInt32());
        foreach (var metric in json.RootElement.GetProperty("metrics").EnumerateObject())
        {
            Assert.Equal(JsonValueKind.Null, metric.Value.ValueKind);
        }

        Assert.Equal(6, json.RootElement.GetProperty("metrics").EnumerateObject().Count());
        Assert.Equal("eml: warning: no test user has a test item that they did not have in training: the ranking metrics are undefined (n/a; null in --json).", stderr.Trim());

        var table = await Processes.RunAsync(Processes.CliDll, arguments);
        Assert.Equal(0, table.Code);
        Assert.Contains("ndcg@10       n/a", table.Out, StringComparison.Ordinal);
    }

    /// <summary>
    /// Ids with a comma, a quote or accents come back as they are: in <c>--json</c> (not as <c>\u00FC</c> escapes, as
    /// before) and, quoted as RFC 4180 asks, in the <c>--all-users</c> CSV.
    /// </summary>
    [Fact]
    public async Task Recommend_IdsWithCommasQuotesAndAccents_ComeBackAsTheyAre()
    {
        var model = await TrainPopularityAsync("ids", "user,item\n\"u,1\",\"a,b\"\n\"u,1\",é\nünï,é\nünï,\"c\"\"d\"\nv,\"a,b\"\nv,\"c\"\"d\"\n");

        var (code, stdout, stderr) = await Processes.RunAsync(Processes.CliDll, ["recommend", "--model", model, "--user", "ünï", "--json"]);

        Assert.True(code == 0, stderr);
        Assert.Equal("{\"model\":\"popularity\",\"user\":\"ünï\",\"fallback\":false,\"items\":[{\"item\":\"a,b\",\"score\":2}]}", stdout.Trim());

        var csv = Path.Combine(_directory, "all.csv");
        var all = await Processes.RunAsync(Processes.CliDll, ["recommend", "--model", model, "--all-users", "--output", csv]);
        Assert.True(all.Code == 0, all.Err);
        Assert.Equal(["user,rank,item,score", "\"u,1\",1,\"c\"\"d\",2", "ünï,1,\"a,b\",2", "v,1,é,2"], await File.ReadAllLinesAsync(csv));
    }

    /// <summary>
    /// Ids on the command line are trimmed as the CSV reader trims the file's fields (spaces and tabs around them):
    /// <c>--user " u1 "</c> is the file's user u1 and <c>--similar-to " a "</c> its item a. Before, the padded user was
    /// served as a new one (popularity fallback, its own items recommended back) and the padded item was unknown.
    /// </summary>
    [Fact]
    public async Task Recommend_PaddedIds_AreTheFilesIds()
    {
        var model = await TrainPopularityAsync("padded", "user,item\n  u1 , a \nu1,\tb\nu2,a\nu2,c\nu3,c\nu3,b\n");

        var (code, stdout, stderr) = await Processes.RunAsync(Processes.CliDll, ["recommend", "--model", model, "--user", " u1\t", "--json"]);
        Assert.True(code == 0, stderr);
        Assert.Equal("{\"model\":\"popularity\",\"user\":\"u1\",\"fallback\":false,\"items\":[{\"item\":\"c\",\"score\":2}]}", stdout.Trim());

        (code, stdout, stderr) = await Processes.RunAsync(Processes.CliDll,
            ["recommend", "--model", model, "--similar-to", " a ", "--exclude-items", "\tb ", "--json"]);
        Assert.True(code == 0, stderr);
        Assert.StartsWith("{\"model\":\"popularity\",\"similarTo\":\"a\",\"items\":[{\"item\":\"c\",", stdout.Trim(), StringComparison.Ordinal);
        Assert.DoesNotContain("\"b\"", stdout, StringComparison.Ordinal);
        Assert.Equal("", stderr);
    }

    /// <summary>
    /// SIGTERM while <c>--all-users</c> writes stops with <c>eml: cancelled.</c> and 130, leaves the earlier file of that
    /// name as it was and no temporary file. Before, the file was truncated at the start and the half-written rest
    /// stayed (and the cancellation was not turned into 130).
    /// </summary>
    [Fact]
    public async Task Recommend_SignalDuringAllUsers_Exit130_EarlierFileKept_NoTemporaryFile()
    {
        var model = Path.Combine(_directory, "movielens.eml");
        var trained = await Processes.RunAsync(Processes.CliDll,
            ["train", "--task", "recommendation", "--train", TestPaths.Dataset("recsys-movielens-small.csv"), "--user", "userId", "--item", "movieId",
             "--trainer", "popularity", "--save", model]);
        Assert.True(trained.Code == 0, trained.Err);
        var output = Path.Combine(_directory, "all.csv");
        await File.WriteAllTextAsync(output, "an earlier run's file\n");

        // Every user's whole catalogue on one thread: millions of rows, seconds of writing to signal into.
        using var process = Processes.Start(Processes.CliDll,
            ["recommend", "--model", model, "--all-users", "--output", output, "--top", "10000", "--threads", "1"], new Dictionary<string, string?>());
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await Processes.PollAsync(
            () => Task.FromResult(Directory.GetFiles(_directory, "all.csv.tmp-*").FirstOrDefault()), TimeSpan.FromMinutes(1), "the temporary output file");
        await Processes.TerminateAsync(process, "eml recommend");
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(130, process.ExitCode);
        Assert.Equal("", await stdout);
        Assert.Equal("eml: cancelled.", (await stderr).Trim());
        Assert.Equal("an earlier run's file\n", await File.ReadAllTextAsync(output));
        Assert.Empty(Directory.GetFiles(_directory, "all.csv.tmp-*"));
    }

    /// <summary>
    /// An empty <c>--user</c> is an error (no interaction has one; it had been served as a cold user without a word),
    /// and a <c>--segment</c> the model does not have gets a warning naming the ones it has (it had silently fallen
    /// back to the global ranking).
    /// </summary>
    [Fact]
    public async Task Recommend_EmptyUserIsAnError_UnknownSegmentWarns()
    {
        var model = await PopularityModelAsync();
        await AssertErrorAsync("--user '': the id is empty; give a user id.", "recommend", "--model", model, "--user", "");

        var train = Path.Combine(_directory, "segments.csv");
        await File.WriteAllTextAsync(train, "user,item,region\n1,a,north\n2,a,north\n3,b,south\n4,c,south\n5,c,south\n");
        var segmented = Path.Combine(_directory, "segments.eml");
        var trained = await Processes.RunAsync(Processes.CliDll,
            ["train", "--task", "recommendation", "--train", train, "--test", train, "--user", "user", "--item", "item", "--trainer", "popularity",
             "--set", "segment=region", "--save", segmented]);
        Assert.True(trained.Code == 0, trained.Err);

        var known = await Processes.RunAsync(Processes.CliDll, ["recommend", "--model", segmented, "--user", "new", "--segment", "south", "--top", "1", "--json"]);
        Assert.Equal(0, known.Code);
        Assert.Equal("", known.Err);
        Assert.Equal("{\"model\":\"popularity\",\"user\":\"new\",\"fallback\":true,\"items\":[{\"item\":\"c\",\"score\":2}]}", known.Out.Trim());

        var unknown = await Processes.RunAsync(Processes.CliDll, ["recommend", "--model", segmented, "--user", "new", "--segment", "east", "--top", "1", "--json"]);
        Assert.Equal(0, unknown.Code);
        Assert.Equal("eml: warning: --segment 'east': the model has no such segment (it has 'north', 'south'); a cold user gets the global ranking.", unknown.Err.Trim());

        var none = await Processes.RunAsync(Processes.CliDll, ["recommend", "--model", model, "--user", "new", "--segment", "east", "--top", "1"]);
        Assert.Equal(0, none.Code);
        Assert.Equal("eml: warning: --segment 'east': the model has no segments (it was trained without --set segment=COL); a cold user gets the global ranking.", none.Err.Trim());
    }

    /// <summary>
    /// The warning for an unknown <c>--segment</c> lists up to ten of the model's segments; names read from a model file
    /// edited under a recomputed checksum to a megabyte each are cut as every model reader cuts them
    /// (<see cref="ModelNames.Quote"/>). The warning had quoted them whole: ten names of 1 MB made a message of 10 MB.
    /// </summary>
    [Fact]
    public async Task Recommend_UnknownSegmentOfAModelWithMegabyteSegmentNames_WarningOfALine()
    {
        const int NameLength = 1 << 20;
        var train = Path.Combine(_directory, "segments.csv");
        await File.WriteAllLinesAsync(train, ["user,item,region", .. Enumerable.Range(0, 11).Select(i => $"{i},{(char)('a' + (i % 3))},region-{i:D2}")]);
        var trained = Path.Combine(_directory, "segments.eml");
        var fit = await Processes.RunAsync(Processes.CliDll,
            ["train", "--task", "recommendation", "--train", train, "--test", train, "--user", "user", "--item", "item", "--trainer", "popularity",
             "--set", "segment=region", "--save", trained]);
        Assert.True(fit.Code == 0, fit.Err);

        // Each segment name "region-NN" becomes "NN" and a megabyte of 'n'; the file is written again with its checksum.
        ModelFileContent content;
        using (var saved = File.OpenRead(trained))
        {
            content = ModelFile.Read(saved, Recommender.ModelFileKind);
        }

        var payload = content.Payload;
        for (var i = 0; i < 11; i++)
        {
            var written = Encoded($"region-{i:D2}");
            var at = payload.AsSpan().IndexOf(written);
            Assert.True(at >= 0 && payload.AsSpan(at + 1).IndexOf(written) < 0, $"The payload holds region-{i:D2} once.");
            payload = [.. payload.AsSpan(0, at), .. Encoded($"{i:D2}{new string('n', NameLength)}"), .. payload.AsSpan(at + written.Length)];
        }

        var edited = Path.Combine(_directory, "edited.eml");
        using (var stream = File.Create(edited))
        {
            ModelFile.Write(stream, content.Kind, writer => writer.Write(payload));
        }

        var (code, stdout, stderr) = await Processes.RunAsync(Processes.CliDll, ["recommend", "--model", edited, "--user", "new", "--segment", "east", "--top", "1", "--json"]);

        Assert.Equal(0, code);
        Assert.StartsWith("{\"model\":\"popularity\",\"user\":\"new\",\"fallback\":true,", stdout.Trim(), StringComparison.Ordinal);
        Assert.True(stderr.Length < 2_000, $"A warning of {stderr.Length:N0} characters.");
        var listed = string.Join(", ", Enumerable.Range(0, 10).Select(i => $"'{i:D2}{new string('n', ModelNames.QuotedLength - 2)}…' ({NameLength + 2:N0} characters)"));
        Assert.Equal($"eml: warning: --segment 'east': the model has no such segment (it has {listed}, ...); a cold user gets the global ranking.", stderr.Trim());
    }

    /// <summary>The bytes <see cref="BinaryWriter"/> writes for <paramref name="value"/>: its UTF-8 length, then its UTF-8.</summary>
    private static byte[] Encoded(string value)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(value);
        }

        return stream.ToArray();
    }

    /// <summary>
    /// Out-of-range recommendation sweep options are errors in the options' words. Before, they named the engine's
    /// properties: "RelevanceThreshold: Must be a finite rating or null." and "MaximumPredictMicrosecondsPerUser: ...".
    /// </summary>
    [Theory]
    [InlineData("--relevance-threshold", "NaN", "--relevance-threshold must be a finite rating; got NaN.")]
    [InlineData("--relevance-threshold", "1e39", "--relevance-threshold must be a finite rating; got 1E+39.")]
    [InlineData("--max-predict-us", "1e10", "--max-predict-us must be at most 1e9 µs per user with --scenario recommendation; got 10000000000.")]
    public async Task AutoMlRecommendation_OptionOutOfRange_ErrorNamesTheOption(string option, string value, string expected) =>
        await AssertErrorAsync(expected,
            "automl", "--scenario", "recommendation", "--train", Scotch, "--user", "respondent", "--item", "brand", "--max-trials", "1", option, value);

    /// <summary>Writes <paramref name="csv"/> (columns <c>user,item</c>) and saves a popularity recommender trained on it; returns the model's path.</summary>
    private async Task<string> TrainPopularityAsync(string name, string csv)
    {
        var train = Path.Combine(_directory, name + ".csv");
        await File.WriteAllTextAsync(train, csv);
        var model = Path.Combine(_directory, name + ".eml");
        var trained = await Processes.RunAsync(Processes.CliDll,
            ["train", "--task", "recommendation", "--train", train, "--test", train, "--user", "user", "--item", "item", "--trainer", "popularity", "--save", model]);
        Assert.True(trained.Code == 0, trained.Err);
        return model;
    }
}
