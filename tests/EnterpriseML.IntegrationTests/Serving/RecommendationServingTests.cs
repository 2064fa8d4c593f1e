using System.Globalization;
using System.Net;
using System.Text.Json;
using EnterpriseML.IntegrationTests.Infrastructure;

namespace EnterpriseML.IntegrationTests.Serving;

/// <summary>
/// <c>GET /api/models/{name}/recommendations/{userId}</c> and <c>/similar/{itemId}</c> against <c>eml recommend</c> on
/// the same model files: the shared Scotch dataset with a segment column (respondents by parity), served by two API
/// nodes on one PostgreSQL registry through Kestrel, the champion and an older version.
/// </summary>
public sealed class RecommendationServingTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("eml-rec-serving-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>
    /// The API answers what <c>eml recommend --json</c> prints for the same file and ids, on either node and for the
    /// version asked for, ids padded with spaces and tabs included. The CLI and the dashboard trim an id as the CSV
    /// reader trims the file's, but the API looked a padded id up as it was sent: <c>%201%09</c> was a cold user served
    /// the popularity fallback (with items respondent 1 already had), <c>%20Chivas.Regal%20</c> a 404 and a padded
    /// <c>segment</c> an unknown one (the global ranking).
    /// </summary>
    [Fact]
    public async Task RecommendationsAndSimilar_EqualEmlRecommendOnTheSameFile_OnEveryNodeAndVersion()
    {
        var train = Path.Combine(_directory, "scotch-regions.csv");
        var lines = await File.ReadAllLinesAsync(TestPaths.Dataset("recsys-scotch-implicit.csv"));
        await File.WriteAllLinesAsync(train, [lines[0] + ",\"region\"", .. lines.Skip(1).Select(l =>
            l + (int.Parse(l[..l.IndexOf(',', StringComparison.Ordinal)], CultureInfo.InvariantCulture) % 2 == 0 ? ",even" : ",odd"))]);
        var champion = await TrainAsync(train, "item-knn");
        var older = await TrainAsync(train, "popularity");

        await using var scope = await BackendScope.CreateAsync(Backend.Postgres, "recserve");
        using var nodeA = new ApiHost(scope);
        using var nodeB = new ApiHost(scope);
        foreach (var node in new[] { nodeA, nodeB })
        {
            // Kestrel, not the in-process test server: a path's escapes reach the route as Kestrel leaves them.
            node.UseKestrel(0);
            node.StartServer();
        }

        using var admin = nodeA.Client();
        var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "distillery");
        await ServingModels.InsertVersionAsync(nodeA, tenant, "scotch", 1, "archived", older);
        await ServingModels.InsertVersionAsync(nodeA, tenant, "scotch", 2, "champion", champion);
        using var clientA = nodeA.Client(key);
        using var clientB = nodeB.Client(key);

        // (eml recommend arguments, API path and query, the id the answer names)
        (string[] Cli, string Api, string Id)[] requests =
        [
            (["--user", "1"], "recommendations/1?top=7", "1"),
            (["--user", " 1\t"], "recommendations/%201%09?top=7", "1"),
            (["--user", "01"], "recommendations/01?top=7", "01"),
            (["--user", "nobody", "--segment", "even"], "recommendations/nobody?top=7&segment=even", "nobody"),
            (["--user", "nobody", "--segment", " even "], "recommendations/nobody?top=7&segment=%20even%20", "nobody"),
            (["--user", "nobody"], "recommendations/nobody?top=7", "nobody"),
            (["--similar-to", "Chivas.Regal"], "similar/Chivas.Regal?top=7", "Chivas.Regal"),
            (["--similar-to", "\tChivas.Regal "], "similar/%09Chivas.Regal%20?top=7", "Chivas.Regal"),
        ];

        foreach (var (file, version, query) in new[] { (champion, 2, ""), (older, 1, "&version=1") })
        {
            var answers = new List<string>();
            foreach (var (cli, path, id) in requests)
            {
                var (code, stdout, stderr) = await Processes.RunAsync(Processes.CliDll, ["recommend", "--model", file, "--top", "7", "--json", .. cli]);
                Assert.True(code == 0, stderr);
                var expected = JsonDocument.Parse(stdout).RootElement;
                var similar = expected.TryGetProperty("similarTo", out var similarTo);
                Assert.Equal(id, (similar ? similarTo : expected.GetProperty("user")).GetString());
                foreach (var client in new[] { clientA, clientB })
                {
                    using var response = await client.GetAsync($"/api/models/scotch/{path}{query}");
                    var body = await response.Content.ReadAsStringAsync();
                    Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}{query}: {body}");
                    var served = JsonDocument.Parse(body).RootElement;
                    Assert.Equal(version, served.GetProperty("version").GetInt32());
                    Assert.Equal(id, served.GetProperty(similar ? "item" : "user").GetString());
                    if (!similar)
                    {
                        Assert.True(expected.GetProperty("fallback").GetBoolean() == served.GetProperty("fallback").GetBoolean(), $"{path}{query}: {body}");
                    }

                    Assert.True(Items(expected) == Items(served), $"{path}{query}: eml recommend printed {Items(expected)}, the API answered {Items(served)}");
                }

                answers.Add(Items(expected));
            }

            // Respondent 1 is known (01 is another id, served the fallback), and each segment has its own ranking.
            Assert.False(JsonDocument.Parse((await Processes.RunAsync(Processes.CliDll, ["recommend", "--model", file, "--user", "1", "--json"])).Out).RootElement.GetProperty("fallback").GetBoolean());
            Assert.NotEqual(answers[0], answers[2]);
            Assert.NotEqual(answers[3], answers[5]);
        }
    }

    /// <summary>
    /// An id of only spaces or tabs is empty once trimmed: a 400 naming the route parameter, as <c>eml recommend --user
    /// " "</c> is an error. It had been a 200 serving a cold user the fallback (and a 404 on <c>/similar</c>).
    /// </summary>
    [Fact]
    public async Task RecommendationsAndSimilar_BlankId_Return400NamingTheRouteParameter()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "serve");
        using var api = new ApiHost(scope);
        api.UseKestrel(0);
        api.StartServer();
        using var admin = api.Client();
        var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "acme");
        await ServingModels.InsertVersionAsync(api, tenant, "scotch", 1, "champion", await ServingModels.ScotchItemKnnAsync());
        using var client = api.Client(key);

        using var user = await client.GetAsync("/api/models/scotch/recommendations/%20%09?top=5");
        await ServingInputTests.AssertProblemAsync(user, "Invalid route parameter",
            "Route parameter 'userId': the id is empty or only spaces and tabs; give a user id.");
        using var item = await client.GetAsync("/api/models/scotch/similar/%20");
        await ServingInputTests.AssertProblemAsync(item, "Invalid route parameter",
            "Route parameter 'itemId': the id is empty or only spaces and tabs; give an item id.");
    }

    /// <summary>
    /// A tabular model asked for recommendations or similar items is a 400 saying what it is and where to send the
    /// request, on both routes; <c>/similar</c> had said only "Model 'credit' is a tabular model."
    /// </summary>
    [Fact]
    public async Task RecommendationsAndSimilar_TabularModel_Return400NamingThePredictRoute()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "serve");
        using var api = new ApiHost(scope);
        using var admin = api.Client();
        var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "acme", "consumer");
        await ServingModels.InsertVersionAsync(api, tenant, "credit", 1, "champion", await ServingModels.CreditGbdtAsync());
        using var client = api.Client(key);

        foreach (var route in new[] { "recommendations/1", "similar/Chivas.Regal", "similar/Chivas.Regal?version=1&top=5" })
        {
            using var response = await client.GetAsync($"/api/models/credit/{route}");
            await ServingInputTests.AssertProblemAsync(response, "Not a recommender", "Model 'credit' is a tabular model: use /api/models/credit/predict.");
        }
    }

    /// <summary>
    /// The answer says why the fallback served a user and when <c>?segment=</c> named no ranking of the model. A
    /// segment the model lacks had been served the global ranking without a word (while <c>eml recommend --segment</c>
    /// warns), and a user whose training rows were all rated below the relevance threshold was told apart from an
    /// unknown one by nothing (the dashboard said they were not in the training data).
    /// </summary>
    [Fact]
    public async Task Recommendations_UnknownSegmentOrNothingLearnt_AnswerSaysWhyAndWarns()
    {
        // Scotch with ratings and a region: respondent 1 rated every brand 2 (below the default threshold 4), the others 5.
        var train = Path.Combine(_directory, "scotch-rated.csv");
        var lines = await File.ReadAllLinesAsync(TestPaths.Dataset("recsys-scotch-implicit.csv"));
        await File.WriteAllLinesAsync(train, [lines[0] + ",\"region\",\"rating\"", .. lines.Skip(1).Select(l =>
        {
            var respondent = int.Parse(l[..l.IndexOf(',', StringComparison.Ordinal)], CultureInfo.InvariantCulture);
            return l + (respondent % 2 == 0 ? ",even" : ",odd") + (respondent == 1 ? ",2" : ",5");
        })]);
        var model = Path.Combine(_directory, "rated.eml");
        var (code, stdout, stderr) = await Processes.RunAsync(Processes.CliDll,
            ["train", "--task", "recommendation", "--train", train, "--test", train, "--user", "respondent", "--item", "brand", "--label", "rating",
             "--trainer", "item-knn", "--set", "segment=region", "--seed", "7", "--threads", "1", "--save", model, "--json"]);
        Assert.True(code == 0, $"eml train failed ({code}): {stdout}\n{stderr}");

        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "recwarn");
        using var api = new ApiHost(scope);
        using var admin = api.Client();
        var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "distillery", "consumer");
        await ServingModels.InsertVersionAsync(api, tenant, "scotch", 1, "champion", model);
        using var client = api.Client(key);

        async Task<JsonElement> GetAsync(string path)
        {
            using var response = await client.GetAsync($"/api/models/scotch/recommendations/{path}");
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {body}");
            return JsonDocument.Parse(body).RootElement.Clone();
        }

        static string? Warnings(JsonElement answer) => answer.TryGetProperty("warnings", out var w) ? string.Join(" | ", w.EnumerateArray().Select(x => x.GetString())) : null;
        static string? Reason(JsonElement answer) => answer.TryGetProperty("fallbackReason", out var r) ? r.GetString() : null;

        // Respondent 1 is in the training data, but the model learnt nothing from them; "nobody" is not in it at all.
        var lowRater = await GetAsync("1?top=5");
        Assert.True(lowRater.GetProperty("fallback").GetBoolean(), lowRater.ToString());
        Assert.Equal("nothing-learnt", Reason(lowRater));
        Assert.Null(Warnings(lowRater));
        var unknown = await GetAsync("nobody?top=5");
        Assert.True(unknown.GetProperty("fallback").GetBoolean(), unknown.ToString());
        Assert.Equal("unknown-user", Reason(unknown));
        Assert.Null(Warnings(unknown));

        // A segment the model has: its ranking, no warning; one it lacks: the global ranking, said so.
        var even = await GetAsync("nobody?top=5&segment=even");
        Assert.Null(Warnings(even));
        var north = await GetAsync("nobody?top=5&segment=%20north%20");
        Assert.Equal("Segment 'north' is not one the model has a ranking for (it has: even, odd); the global ranking was used.", Warnings(north));
        Assert.Equal(Items(unknown), Items(north));
        Assert.NotEqual(Items(unknown), Items(even));

        // A known user is not served by segment: the warning says the segment was not needed; no fallback reason.
        var known = await GetAsync("2?top=5&segment=north");
        Assert.False(known.GetProperty("fallback").GetBoolean(), known.ToString());
        Assert.Null(Reason(known));
        Assert.Equal("Segment 'north' is not one the model has a ranking for (it has: even, odd); it was not needed: the user has history in the model, and a segment only picks a cold user's ranking.", Warnings(known));

        // Every field the answer had keeps its place and meaning.
        Assert.Equal(["model", "version", "user", "fallback", "items", "fallbackReason", "warnings"], north.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["model", "version", "user", "fallback", "items"], (await GetAsync("2?top=5&segment=odd")).EnumerateObject().Select(p => p.Name));
    }

    private async Task<string> TrainAsync(string train, string trainer)
    {
        var model = Path.Combine(_directory, trainer + ".eml");
        var (code, stdout, stderr) = await Processes.RunAsync(Processes.CliDll,
            ["train", "--task", "recommendation", "--train", train, "--user", "respondent", "--item", "brand", "--trainer", trainer,
             "--set", "segment=region", "--seed", "7", "--threads", "1", "--save", model, "--json"]);
        Assert.True(code == 0, $"eml train failed ({code}): {stdout}\n{stderr}");
        return model;
    }

    /// <summary>The items of an answer as <c>item:score</c> pairs in order, scores as round-trip text.</summary>
    private static string Items(JsonElement answer) => string.Join(", ", answer.GetProperty("items").EnumerateArray()
        .Select(i => i.GetProperty("item").GetString() + ":" + i.GetProperty("score").GetSingle().ToString("R", CultureInfo.InvariantCulture)));
}
