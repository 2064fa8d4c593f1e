using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EnterpriseML.IntegrationTests.Cli;
using EnterpriseML.IntegrationTests.Infrastructure;

namespace EnterpriseML.IntegrationTests.Jobs;

/// <summary>An experiment with scenario <c>recommendation</c> through the real API: sweep job, model version, serving.</summary>
public sealed class RecommendationExperimentTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("eml-recexp-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Experiment_Recommendation_SucceedsAndItsChampionServesRecommendations()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "recexp");
        using var api = new ApiHost(scope);
        using var client = api.Client();
        var (train, _) = AutoMlRecommendationCliTests.WriteMovieLensSubsample(_directory);
        var datasetId = await ExperimentFlowTests.UploadAsync(client, "movies.csv", await File.ReadAllBytesAsync(train));

        // userColumn and itemColumn are required and checked against the dataset; label is the optional rating.
        await AssertFieldAsync(client, new { datasetId, scenario = "recommendation", itemColumn = "movieId", budgetSeconds = 5, modelName = "movies" }, "userColumn");
        await AssertFieldAsync(client, new { datasetId, scenario = "recommendation", userColumn = "userId", itemColumn = "nope", budgetSeconds = 5, modelName = "movies" }, "itemColumn");
        await AssertFieldAsync(client, new { datasetId, scenario = "recommendation", userColumn = "userId", itemColumn = "movieId", label = "nope", budgetSeconds = 5, modelName = "movies" }, "label");

        using var response = await client.PostAsJsonAsync("/api/experiments", new
        {
            datasetId, scenario = "recommendation", userColumn = "userId", itemColumn = "movieId", label = "rating", budgetSeconds = 60, maxTrials = 10, modelName = "movies", seed = 2,
        });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, body);
        using var accepted = JsonDocument.Parse(body);
        var id = accepted.RootElement.GetProperty("id").GetString()!;

        using var done = await ExperimentFlowTests.WaitAsync(client, id, 150);
        var root = done.RootElement;
        Assert.True(root.GetProperty("status").GetString() == "succeeded", root.ToString());
        Assert.Equal("recommendation", root.GetProperty("scenario").GetString());
        var kinds = root.GetProperty("leaderboard").EnumerateArray().Select(r => r.GetProperty("kind").GetString()).ToHashSet();
        Assert.Contains("general", kinds);
        Assert.Contains("specialised", kinds);
        Assert.Equal(1, root.GetProperty("winner").GetProperty("modelVersion").GetInt32());
        Assert.Equal(root.GetProperty("trials").GetArrayLength(), root.GetProperty("progress").GetProperty("trialsCompleted").GetInt32());
        ExperimentFlowTests.AssertLineageNamesTheWinningTrial(root, await client.GetStringAsync("/api/models/movies"));

        // The champion serves top-N: a known user gets 10 unseen items; an unknown one the fallback.
        using (var top = JsonDocument.Parse(await client.GetStringAsync("/api/models/movies/recommendations/5?top=10")))
        {
            Assert.False(top.RootElement.GetProperty("fallback").GetBoolean());
            var items = top.RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("item").GetString()!).ToArray();
            Assert.Equal(10, items.Length);
            // Whatever the winner (implicit ones learn from ratings ≥ 4 only), no item the user rated comes back.
            var seen = File.ReadLines(train).Skip(1).Select(l => l.Split(',')).Where(f => f[0] == "5").Select(f => f[1]).ToHashSet();
            Assert.NotEmpty(seen);
            Assert.DoesNotContain(items, seen.Contains);
        }

        using var cold = JsonDocument.Parse(await client.GetStringAsync("/api/models/movies/recommendations/nobody"));
        Assert.True(cold.RootElement.GetProperty("fallback").GetBoolean());
        Assert.StartsWith("per-user random 20", await LineageValidationAsync(client, "movies"), StringComparison.Ordinal);
    }

    /// <summary>
    /// <c>timestampColumn</c> on a recommendation experiment: the sweep holds out each user's latest interactions, as
    /// <c>eml automl --timestamp</c> does; a column that holds no times is a 400 naming the field.
    /// </summary>
    [Fact]
    public async Task Experiment_RecommendationWithTimestamp_HoldsOutTheLatestInteractions()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "rectime");
        using var api = new ApiHost(scope);
        using var client = api.Client();
        var (train, _) = AutoMlRecommendationCliTests.WriteMovieLensSubsample(_directory);
        var datasetId = await ExperimentFlowTests.UploadAsync(client, "movies.csv", await File.ReadAllBytesAsync(train));
        await AssertFieldAsync(client, new { datasetId, scenario = "recommendation", userColumn = "userId", itemColumn = "movieId", label = "rating", timestampColumn = "when", budgetSeconds = 5, modelName = "m" }, "timestampColumn");
        await AssertFieldAsync(client, new { datasetId, scenario = "recommendation", userColumn = "userId", itemColumn = "movieId", label = "rating", timestampColumn = "rating", budgetSeconds = 5, modelName = "m" }, "timestampColumn");

        using var response = await client.PostAsJsonAsync("/api/experiments", new
        {
            datasetId, scenario = "recommendation", userColumn = "userId", itemColumn = "movieId", label = "rating", timestampColumn = "timestamp", budgetSeconds = 60, maxTrials = 10, modelName = "movies", seed = 2,
        });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, body);
        using var accepted = JsonDocument.Parse(body);

        using var done = await ExperimentFlowTests.WaitAsync(client, accepted.RootElement.GetProperty("id").GetString()!, 150);
        Assert.True(done.RootElement.GetProperty("status").GetString() == "succeeded", done.RootElement.ToString());
        Assert.StartsWith("per-user latest 20", await LineageValidationAsync(client, "movies"), StringComparison.Ordinal);
    }

    /// <summary>The validation split the champion's lineage records.</summary>
    private static async Task<string> LineageValidationAsync(HttpClient client, string model)
    {
        using var json = JsonDocument.Parse(await client.GetStringAsync($"/api/models/{model}"));
        var lineage = json.RootElement.GetProperty("versions")[0].GetProperty("lineage");
        return lineage.GetProperty("validation").GetString()!;
    }

    /// <summary>
    /// A user id written as <c>NA</c> in a dataset: the experiment fails quoting the cell as written, with the dataset's
    /// name, the line and the column, as <c>eml</c> does for a file (before, the service's sweep called it empty).
    /// </summary>
    [Fact]
    public async Task Experiment_Recommendation_IdWrittenAsMissingMarker_FailsQuotingItWithDatasetLineAndColumn()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "recna");
        using var api = new ApiHost(scope);
        using var client = api.Client();
        var csv = new System.Text.StringBuilder("user,item,rating\n");
        for (var i = 0; i < 40; i++)
        {
            csv.Append(i == 17 ? "NA" : "u" + (i % 7)).Append(",i").Append(i % 11).Append(',').Append(1 + (i % 5)).Append('\n');
        }

        var datasetId = await ExperimentFlowTests.UploadAsync(client, "ratings-na.csv", System.Text.Encoding.UTF8.GetBytes(csv.ToString()));
        using var dataset = JsonDocument.Parse(await client.GetStringAsync($"/api/datasets/{datasetId}"));
        var name = dataset.RootElement.GetProperty("name").GetString();
        var id = await ExperimentFlowTests.SubmitAsync(client, new
        {
            datasetId, scenario = "recommendation", userColumn = "user", itemColumn = "item", label = "rating", budgetSeconds = 30, modelName = "na", seed = 1,
        });

        using var done = await ExperimentFlowTests.WaitAsync(client, id, 120);
        var root = done.RootElement;
        Assert.True(root.GetProperty("status").GetString() == "failed", root.ToString());
        // Header on line 1, so the 18th data row is on line 19.
        Assert.Equal($"{name}, line 19: column 'user' holds 'NA', which reads as a missing value; a user id cannot be missing; every interaction needs one.",
            root.GetProperty("error").GetString());
    }

    private static async Task AssertFieldAsync(HttpClient client, object request, string field)
    {
        using var response = await client.PostAsJsonAsync("/api/experiments", request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body);
        using var json = JsonDocument.Parse(body);
        Assert.Equal(field, json.RootElement.GetProperty("field").GetString());
    }
}
