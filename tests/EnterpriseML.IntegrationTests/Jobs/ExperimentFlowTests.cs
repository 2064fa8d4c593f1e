using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EnterpriseML.IntegrationTests.Api;
using EnterpriseML.IntegrationTests.Infrastructure;

namespace EnterpriseML.IntegrationTests.Jobs;

/// <summary>Experiments, sweeps and the model lifecycle through the real API in one process (the embedded default).</summary>
public sealed class ExperimentFlowTests
{
    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task Experiment_CreditGerman_SucceedsStoresChampionPromoteAndRollback(Backend backend)
    {
        await using var scope = await BackendScope.CreateAsync(backend, "exp");
        using var api = new ApiHost(scope);
        using var client = api.Client();
        var datasetId = await UploadAsync(client, "credit-german-statlog.csv");

        // Validation against the dataset's profile names the field.
        await AssertFieldAsync(client, new { datasetId, label = "class", scenario = "auto", modelName = "m" }, "budgetSeconds",
            "Required: the sweep's wall-clock budget in seconds, in (0, 86400]; missing or 0.");
        await AssertFieldAsync(client, new { datasetId, label = "class", scenario = "auto", budgetSeconds = 100_000, modelName = "m" }, "budgetSeconds",
            "Must be in (0, 86400] seconds; found 100000.");
        await AssertFieldAsync(client, new { datasetId, label = "nope", scenario = "auto", budgetSeconds = 5, modelName = "m" }, "label");
        await AssertFieldAsync(client, new { datasetId, label = "class", scenario = "nope", budgetSeconds = 5, modelName = "m" }, "scenario");
        await AssertFieldAsync(client, new { datasetId = "missing", label = "class", scenario = "auto", budgetSeconds = 5, modelName = "m" }, "datasetId");
        var csv = await DatasetsApiTests.ReadDatasetAsync("credit-german-statlog.csv");
        var header = System.Text.Encoding.UTF8.GetString(csv, 0, Array.IndexOf(csv, (byte)'\n')).Split(',');
        await AssertFieldAsync(client, new { datasetId, label = "class", scenario = "auto", budgetSeconds = 5, modelName = "m", ignoreColumns = header.Where(c => c != "class").ToArray() }, "ignoreColumns");
        await AssertFieldAsync(client, new { datasetId, label = "duration", positiveClass = "12", scenario = "auto", budgetSeconds = 5, modelName = "m" }, "positiveClass");
        await AssertFieldAsync(client, new { datasetId, label = "class", scenario = "auto", budgetSeconds = 5, modelName = "m", timestampColumn = "duration" }, "timestampColumn");
        await AssertFieldAsync(client, new { datasetId, label = "class", scenario = "fraud", budgetSeconds = 5, modelName = "m", timestampColumn = "purpose" }, "timestampColumn");
        await AssertFieldAsync(client, new { datasetId, label = "class", scenario = "fraud", budgetSeconds = 5, modelName = "m", timestampColumn = "when" }, "timestampColumn");
        await AssertFieldAsync(client, new { datasetId = await UploadAsync(client, "single-class.csv", "a,b\n1,x\n2,x\n3,x\n"u8.ToArray()), label = "b", scenario = "auto", budgetSeconds = 5, modelName = "m" }, "label");
        // An identifier as the label, and a binary label with one row of a class: refused up front, not after a failed sweep.
        var ids = string.Concat(Enumerable.Range(0, 120).Select(i => $"{i},A{i:D4}\n"));
        await AssertFieldAsync(client, new { datasetId = await UploadAsync(client, "ids.csv", System.Text.Encoding.UTF8.GetBytes("x,id\n" + ids)), label = "id", scenario = "auto", budgetSeconds = 5, modelName = "m" }, "label");
        var rare = string.Concat(Enumerable.Range(0, 40).Select(i => $"{i},{(i == 7 ? "fraud" : "ok")}\n"));
        await AssertFieldAsync(client, new { datasetId = await UploadAsync(client, "rare.csv", System.Text.Encoding.UTF8.GetBytes("x,y\n" + rare)), label = "y", scenario = "fraud", budgetSeconds = 5, modelName = "m" }, "label");

        await AssertFieldAsync(client, new { datasetId, label = "class", scenario = "auto", budgetSeconds = 5, modelName = "m", maxTrials = 0 }, "maxTrials",
            "Must be in [1, 100000] trials (the sweep also ends at its budget); found 0.");
        var first = await SubmitAsync(client, datasetId, 60, seed: 1, maxTrials: 6);
        var second = await SubmitAsync(client, datasetId, 60, seed: 2, maxTrials: 6);
        foreach (var id in new[] { first, second })
        {
            using var done = await WaitAsync(client, id);
            var root = done.RootElement;
            Assert.True(root.GetProperty("status").GetString() == "succeeded", root.ToString());
            Assert.True(root.GetProperty("leaderboard").GetArrayLength() >= 1);
            Assert.InRange(root.GetProperty("winner").GetProperty("modelVersion").GetInt32(), 1, 2);
            Assert.Equal(6, root.GetProperty("progress").GetProperty("trialsCompleted").GetInt32());
            Assert.Equal(root.GetProperty("trials").GetArrayLength(), root.GetProperty("progress").GetProperty("trialsCompleted").GetInt32());
            var attempt = Assert.Single(root.GetProperty("attempts").EnumerateArray());
            Assert.Equal("succeeded", attempt.GetProperty("outcome").GetString());
            Assert.Equal("api-test", attempt.GetProperty("node").GetString());
            AssertLineageNamesTheWinningTrial(root, await client.GetStringAsync("/api/models/risk"));
        }

        using var list = JsonDocument.Parse(await client.GetStringAsync("/api/experiments?status=succeeded&pageSize=1"));
        Assert.Equal(2, list.RootElement.GetProperty("total").GetInt64());
        Assert.Equal(1, list.RootElement.GetProperty("items").GetArrayLength());

        // First version auto-champion, second a candidate; lineage is complete.
        using (var model = JsonDocument.Parse(await client.GetStringAsync("/api/models/risk")))
        {
            Assert.Equal(1, model.RootElement.GetProperty("champion").GetInt32());
            var v2 = model.RootElement.GetProperty("versions")[1];
            Assert.Equal("candidate", v2.GetProperty("stage").GetString());
            var lineage = v2.GetProperty("lineage");
            Assert.Equal(64, lineage.GetProperty("datasetSha256").GetString()!.Length);
            Assert.False(string.IsNullOrEmpty(lineage.GetProperty("engineVersion").GetString()));
        }

        using (var promote = await client.PostAsJsonAsync("/api/models/risk/versions/2/promote", new { reason = "better AUC" }))
        {
            Assert.Equal(HttpStatusCode.OK, promote.StatusCode);
            using var body = JsonDocument.Parse(await promote.Content.ReadAsStringAsync());
            Assert.Equal(2, body.RootElement.GetProperty("champion").GetInt32());
            Assert.Equal("archived", body.RootElement.GetProperty("versions")[0].GetProperty("stage").GetString());
            var last = body.RootElement.GetProperty("history").EnumerateArray().Last();
            Assert.Equal("better AUC", last.GetProperty("why").GetString());
            Assert.Contains("admin", last.GetProperty("who").GetString()!, StringComparison.OrdinalIgnoreCase);
        }

        using (var rollback = await client.PostAsJsonAsync("/api/models/risk/rollback", new { reason = "regression in prod" }))
        {
            Assert.Equal(HttpStatusCode.OK, rollback.StatusCode);
            using var body = JsonDocument.Parse(await rollback.Content.ReadAsStringAsync());
            Assert.Equal(1, body.RootElement.GetProperty("champion").GetInt32());
            Assert.Equal("archived", body.RootElement.GetProperty("versions")[1].GetProperty("stage").GetString());
        }
    }

    /// <summary>
    /// The stored version's lineage names the trial of the experiment's log that won (<c>winnerTrial</c>), or for an
    /// ensemble its members as <c>candidate#trial</c> (<c>winnerMembers</c>), as the experiment's winner says.
    /// </summary>
    internal static void AssertLineageNamesTheWinningTrial(JsonElement experiment, string modelJson)
    {
        var winner = experiment.GetProperty("winner");
        using var model = JsonDocument.Parse(modelJson);
        var lineage = model.RootElement.GetProperty("versions").EnumerateArray()
            .Single(v => v.GetProperty("version").GetInt32() == winner.GetProperty("modelVersion").GetInt32()).GetProperty("lineage");
        var trials = experiment.GetProperty("trials").EnumerateArray().ToDictionary(t => t.GetProperty("trial").GetInt64());
        if (lineage.TryGetProperty("winnerMembers", out var members))
        {
            Assert.False(lineage.TryGetProperty("winnerTrial", out _), lineage.ToString());
            Assert.True(members.GetArrayLength() >= 2, lineage.ToString());
            foreach (var member in members.EnumerateArray().Select(m => m.GetString()!))
            {
                var (candidate, index) = (member[..member.LastIndexOf('#')], long.Parse(member[(member.LastIndexOf('#') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
                Assert.Equal(candidate, trials[index].GetProperty("candidate").GetString());
                Assert.Contains(member, winner.GetProperty("parameters").ToString(), StringComparison.Ordinal);
            }
        }
        else
        {
            var index = lineage.GetProperty("winnerTrial").GetInt64();
            Assert.Equal(winner.GetProperty("trial").GetInt64(), index);
            Assert.Equal(lineage.GetProperty("candidate").GetString(), trials[index].GetProperty("candidate").GetString());
            Assert.Equal("succeeded", trials[index].GetProperty("status").GetString());
        }
    }

    [Fact]
    public async Task Experiment_FraudWithANamedTimeColumn_ValidatesOnTheLatestRowsAndRecordsItInTheLineage()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "fraud-time");
        using var api = new ApiHost(scope);
        using var client = api.Client();
        var datasetId = await UploadAsync(client, "fraud-sensor-anomaly-singlehop.csv");

        using var model = await SucceededModelAsync(client,
            new { datasetId, label = "label", positiveClass = "1", scenario = "fraud", budgetSeconds = 60, maxTrials = 6, modelName = "sensor", seed = 1, timestampColumn = "reading" }, "sensor");
        var lineage = model.RootElement.GetProperty("versions")[0].GetProperty("lineage");
        Assert.StartsWith("time-ordered holdout ", lineage.GetProperty("validation").GetString(), StringComparison.Ordinal);
        Assert.Contains("(latest by reading", lineage.GetProperty("validation").GetString(), StringComparison.Ordinal);
        Assert.Equal(32, lineage.GetProperty("validationRowsHash").GetString()!.Length);
    }

    /// <summary>
    /// German credit's installment rate (codes 1–4) as the label: classes by default (accuracy), a quantity when the
    /// request says <c>"task": "regression"</c> (RMSE); an unknown task, or one for the recommendation scenario, is a 400.
    /// </summary>
    [Fact]
    public async Task Experiment_ClassCodeLabel_IsMulticlassUnlessTheRequestNamesTheTask()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "task");
        using var api = new ApiHost(scope);
        using var client = api.Client();
        var datasetId = await UploadAsync(client, "credit-german-statlog.csv");
        await AssertFieldAsync(client, new { datasetId, label = "installment_commitment", scenario = "auto", budgetSeconds = 5, modelName = "m", task = "ordinal" }, "task");
        await AssertFieldAsync(client, new { datasetId, label = "purpose", scenario = "auto", budgetSeconds = 5, modelName = "m", task = "regression" }, "task", "'regression' needs a numeric label; 'purpose' was read as categorical.");
        await AssertFieldAsync(client, new { datasetId, label = "installment_commitment", scenario = "auto", budgetSeconds = 5, modelName = "m", task = "binary" }, "task", "'binary' needs a label with two values; 'installment_commitment' has 4.");
        await AssertFieldAsync(client, new { datasetId, label = "rating", scenario = "recommendation", budgetSeconds = 5, modelName = "m", userColumn = "checking_status", itemColumn = "purpose", task = "regression" }, "task");

        foreach (var (task, model, metric) in new[] { ((string?)null, "codes", "accuracy"), ("regression", "amounts", "rmse") })
        {
            using var stored = await SucceededModelAsync(client,
                new { datasetId, label = "installment_commitment", scenario = "auto", budgetSeconds = 60, maxTrials = 4, modelName = model, seed = 1, ignoreColumns = new[] { "class" }, task }, model);
            Assert.Equal(metric, stored.RootElement.GetProperty("versions")[0].GetProperty("metrics").GetProperty("metric").GetString());
        }
    }

    /// <summary>
    /// A dataset whose rows are numbered by an order column: the experiment's report notes (GET /api/experiments/{id}'s
    /// <c>notes</c>) say the column looks like an identifier and how to leave it out, as eml automl warns. Before, the
    /// service swept on it without a word.
    /// </summary>
    [Fact]
    public async Task Experiment_IdentifierLikeColumn_IsNamedInTheReportNotes()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "notes");
        using var api = new ApiHost(scope);
        using var client = api.Client();
        var lines = System.Text.Encoding.UTF8.GetString(await DatasetsApiTests.ReadDatasetAsync("credit-german-statlog.csv")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var numbered = lines.Skip(1).Select((line, i) => $"{1000 + i},{line}").Prepend("order_id," + lines[0]);
        var datasetId = await UploadAsync(client, "orders.csv", System.Text.Encoding.UTF8.GetBytes(string.Join('\n', numbered) + "\n"));

        using var done = await WaitAsync(client, await SubmitAsync(client, new { datasetId, label = "class", scenario = "auto", budgetSeconds = 60, maxTrials = 1, modelName = "orders", seed = 1 }));

        Assert.True(done.RootElement.GetProperty("status").GetString() == "succeeded", done.RootElement.ToString());
        var notes = done.RootElement.GetProperty("notes").EnumerateArray().Select(n => n.GetString()).ToArray();
        Assert.Contains("column 'order_id' holds a different whole number in each of its 1,000 rows (1000 to 1999), as an identifier does: " +
            "a model learns the file's row order from it, which leaks the label when the rows were sorted or numbered by something the label depends on; add it to ignoreColumns if it is an identifier.", notes);
    }

    /// <summary>
    /// A service configured for wide files (Storage:MaxColumns 3,000) takes German credit with 2,480 more columns at
    /// upload, its experiment reads the stored file under the same terms, and a CSV body of the same columns is scored
    /// by the model it made. The sweep job, and the CSV predict body, had been read with the reader's default limit
    /// and failed: "the header has 2501 columns, more than the limit of 2000".
    /// </summary>
    [Fact]
    public async Task Experiment_DatasetWiderThanTheReadersDefault_RunsUnderTheConfiguredLimit()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "wide");
        using var api = new ApiHost(scope, new() { ["Storage:MaxColumns"] = "3000" });
        using var client = api.Client();
        var lines = await DatasetLinesAsync("credit-german-statlog.csv");
        const int extra = 2480;
        var csv = new System.Text.StringBuilder();
        csv.Append(lines[0]).AppendJoin("", Enumerable.Range(0, extra).Select(j => $",x{j}")).Append('\n');
        for (var row = 1; row < lines.Length; row++)
        {
            csv.Append(lines[row]).AppendJoin("", Enumerable.Range(0, extra).Select(j => $",{(row * (j + 1)) % 97}")).Append('\n');
        }

        var datasetId = await UploadAsync(client, "wide.csv", System.Text.Encoding.UTF8.GetBytes(csv.ToString()));
        using var done = await WaitAsync(client, await SubmitAsync(client, new { datasetId, label = "class", scenario = "auto", budgetSeconds = 120, maxTrials = 1, modelName = "wide", seed = 1 }), 180);

        Assert.True(done.RootElement.GetProperty("status").GetString() == "succeeded", done.RootElement.ToString());

        // Rows of the same file, as a CSV body to the model it made: read under the same limit (it had been 2,000).
        var body = string.Join('\n', csv.ToString().Split('\n').Take(6)) + "\n";
        using var scored = await client.PostAsync("/api/models/wide/predict", new StringContent(body, System.Text.Encoding.UTF8, "text/csv"));
        var answer = await scored.Content.ReadAsStringAsync();
        Assert.True(scored.IsSuccessStatusCode, answer);
        Assert.Equal(6, answer.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    /// <summary>
    /// German credit with one duration written as "six": the reader takes the column as categorical and the dataset's
    /// profile says why (its column note). The experiment's report notes (GET /api/experiments/{id}'s <c>notes</c>) now
    /// carry that note, with how to leave the column out; before, only the dataset page showed it and the sweep ran
    /// on a categorical duration without a word in its report.
    /// </summary>
    [Fact]
    public async Task Experiment_NumbersWithAStrayValue_TypeNoteIsInTheReportNotes()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "typenote");
        using var api = new ApiHost(scope);
        using var client = api.Client();
        var lines = await DatasetLinesAsync("credit-german-statlog.csv");
        var duration = Array.IndexOf(lines[0].Split(','), "duration");
        var fields = lines[41].Split(',');
        fields[duration] = "six";
        lines[41] = string.Join(',', fields);
        var datasetId = await UploadAsync(client, "durations.csv", System.Text.Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n"));
        using var dataset = JsonDocument.Parse(await client.GetStringAsync($"/api/datasets/{datasetId}"));
        var column = dataset.RootElement.GetProperty("columns").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "duration");
        var profileNote = column.GetProperty("note").GetString();
        Assert.Equal("column 'duration' was read as categorical although 999 of 1,000 values are numbers: durations, line 42 holds 'six', which is not a number (or is beyond a 32-bit float)", profileNote);

        using var done = await WaitAsync(client, await SubmitAsync(client, new { datasetId, label = "class", scenario = "auto", budgetSeconds = 60, maxTrials = 1, modelName = "durations", seed = 1 }));

        Assert.True(done.RootElement.GetProperty("status").GetString() == "succeeded", done.RootElement.ToString());
        var notes = done.RootElement.GetProperty("notes").EnumerateArray().Select(n => n.GetString()).ToArray();
        Assert.Contains(profileNote + "; fix those values in the file, or add it to ignoreColumns.", notes);
    }

    /// <summary>
    /// A fraud experiment on fraud-sensor with an added <c>arrival</c> column (1000 + row / 3, never decreasing) and no
    /// timestampColumn: its notes name the column and the request field that would make validation time-ordered. Given
    /// that field, or under the credit scenario, no note speaks of time. Before, the service said nothing.
    /// </summary>
    [Fact]
    public async Task Experiment_FraudWithATimeLikeColumnAndNoTimestamp_NotesNameItAndTheField()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "timenote");
        using var api = new ApiHost(scope);
        using var client = api.Client();
        var lines = await DatasetLinesAsync("fraud-sensor-anomaly-singlehop.csv");
        var csv = lines.Skip(1).Select((line, i) => $"{1000 + (i / 3)},{line}").Prepend("arrival," + lines[0]);
        var datasetId = await UploadAsync(client, "sensor.csv", System.Text.Encoding.UTF8.GetBytes(string.Join('\n', csv) + "\n"));

        var plain = await SubmitAsync(client, new { datasetId, label = "label", scenario = "fraud", budgetSeconds = 60, maxTrials = 1, modelName = "plain", seed = 1 });
        var timed = await SubmitAsync(client, new { datasetId, label = "label", scenario = "fraud", budgetSeconds = 60, maxTrials = 1, modelName = "timed", seed = 1, timestampColumn = "arrival" });
        var credit = await SubmitAsync(client, new { datasetId, label = "label", scenario = "credit", budgetSeconds = 60, maxTrials = 1, modelName = "credit", seed = 1 });

        string?[] Notes(JsonDocument done)
        {
            Assert.True(done.RootElement.GetProperty("status").GetString() == "succeeded", done.RootElement.ToString());
            return [.. done.RootElement.GetProperty("notes").EnumerateArray().Select(n => n.GetString())];
        }

        using (var done = await WaitAsync(client, plain))
        {
            Assert.Contains("column 'arrival' looks like a time (its values never decrease in file order over all 18,914 rows, with 6,305 distinct values), but the fraud scenario found no time column " +
                "(it takes a date-time column, or a numeric one named time, timestamp, datetime, event_time, unix_time or ending in _at), so it validates on rows drawn at random, not on the latest rows; " +
                "if 'arrival' orders the rows in time, set \"timestampColumn\": \"arrival\" in the experiment to validate on the latest rows.", Notes(done));
        }

        foreach (var id in new[] { timed, credit })
        {
            using var done = await WaitAsync(client, id);
            Assert.DoesNotContain(Notes(done), n => n!.Contains("looks like a time", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Cancel_RunningSweep_StopsWithinSecondsAndKeepsTrials()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "cancel");
        using var api = new ApiHost(scope);
        using var client = api.Client();
        var datasetId = await UploadAsync(client, "credit-german-statlog.csv");
        var id = await SubmitAsync(client, datasetId, 120, seed: 3);

        await Processes.PollAsync(async () =>
        {
            using var doc = JsonDocument.Parse(await client.GetStringAsync($"/api/experiments/{id}"));
            return doc.RootElement.GetProperty("trials").GetArrayLength() >= 2 ? "yes" : null;
        }, TimeSpan.FromSeconds(60), "two trials to finish");

        using var cancel = await client.PostAsync($"/api/experiments/{id}/cancel", null);
        Assert.True(cancel.StatusCode == HttpStatusCode.OK, await cancel.Content.ReadAsStringAsync());
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var ended = await Processes.PollAsync(async () =>
        {
            var doc = JsonDocument.Parse(await client.GetStringAsync($"/api/experiments/{id}"));
            var attempt = doc.RootElement.GetProperty("attempts")[0];
            if (attempt.GetProperty("outcome").ValueKind == JsonValueKind.String)
            {
                return doc;
            }

            doc.Dispose();
            return null;
        }, TimeSpan.FromSeconds(20), "the sweep to stop");
        Assert.InRange(clock.Elapsed.TotalSeconds, 0, 15);
        Assert.Equal("cancelled", ended.RootElement.GetProperty("status").GetString());
        Assert.Equal("cancelled", ended.RootElement.GetProperty("attempts")[0].GetProperty("outcome").GetString());
        Assert.True(ended.RootElement.GetProperty("trials").GetArrayLength() >= 2);
        using var again = await client.PostAsync($"/api/experiments/{id}/cancel", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    /// <summary>
    /// A model name is a segment of <c>/api/models/{name}</c>: one with a '/' or a space was stored but could never be
    /// fetched, promoted or served. Refused up front with the dashboard's rule; nothing is stored.
    /// </summary>
    [Fact]
    public async Task Experiment_ModelNameThatCannotBeAUrlSegment_Is400NamingModelName()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "mname");
        using var api = new ApiHost(scope);
        using var client = api.Client();
        var datasetId = await UploadAsync(client, "credit-german-statlog.csv");

        await AssertFieldAsync(client, new { datasetId, label = "class", scenario = "auto", budgetSeconds = 5, modelName = "a/b c" }, "modelName",
            "'a/b c': use 1 to 64 letters, digits, '.', '-' or '_', starting with a letter or digit (the name is part of the model's URLs, /api/models/{name}).");
        await AssertFieldAsync(client, new { datasetId, label = "class", scenario = "auto", budgetSeconds = 5, modelName = "-risk" }, "modelName");
        await AssertFieldAsync(client, new { datasetId, label = "class", scenario = "auto", budgetSeconds = 5, modelName = new string('m', 65) }, "modelName");
        await AssertNoExperimentAsync(client);
        // The dashboard's names still pass: upper case, dot, underscore, one character (trimmed as before).
        Assert.Null(EnterpriseML.Api.Experiments.ExperimentsApi.ModelNameProblem(" Credit_Risk.v2 "));
        Assert.Null(EnterpriseML.Api.Experiments.ExperimentsApi.ModelNameProblem("m"));
    }

    /// <summary>A recommendation experiment's test dataset is checked before anything is stored, not when the sweep reads it.</summary>
    [Fact]
    public async Task Experiment_RecommendationTestDatasetMissingOrWithoutTheColumns_Is400NamingTestDatasetId()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "testds");
        using var api = new ApiHost(scope);
        using var client = api.Client();
        var datasetId = await UploadAsync(client, "credit-german-statlog.csv");
        var other = await UploadAsync(client, "other.csv", "checking_status,x\nA11,1\nA12,2\n"u8.ToArray());

        await AssertFieldAsync(client, new { datasetId, scenario = "recommendation", userColumn = "checking_status", itemColumn = "purpose", budgetSeconds = 5, modelName = "recs", testDatasetId = "nope" },
            "testDatasetId", "There is no dataset 'nope' in your tenant.");
        await AssertFieldAsync(client, new { datasetId, scenario = "recommendation", userColumn = "checking_status", itemColumn = "purpose", budgetSeconds = 5, modelName = "recs", testDatasetId = other },
            "testDatasetId", "The test dataset 'other' has no column 'purpose'. Columns: checking_status, x.");
        await AssertNoExperimentAsync(client);
    }

    /// <summary>
    /// metric, testDatasetId and holdoutFraction are checked before anything is stored, each 400 naming its field: a
    /// metric unknown or not for the task the label implies (listing those that are), a recommendation metric, a test
    /// dataset missing or without the label or a feature column, a holdout out of (0, 0.5], both a holdout and a test
    /// dataset, a holdout for recommendation.
    /// </summary>
    [Fact]
    public async Task Experiment_BadMetricTestDatasetOrHoldout_Is400NamingIt()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "testval");
        using var api = new ApiHost(scope);
        using var client = api.Client();
        var datasetId = await UploadAsync(client, "credit-german-statlog.csv");
        var other = await UploadAsync(client, "other.csv", "checking_status,class,x\nA11,good,1\nA12,bad,2\n"u8.ToArray());

        await AssertFieldAsync(client, new { datasetId, label = "class", scenario = "auto", budgetSeconds = 5, modelName = "m", metric = "bogus" }, "metric",
            "Unknown metric 'bogus'. For a binary task (the label 'class') use one of auc, auprc, accuracy, f1, logLoss, ks, gini.");
        await AssertFieldAsync(client, new { datasetId, label = "class", scenario = "credit", budgetSeconds = 5, modelName = "m", metric = "rmse" }, "metric",
            "'rmse' does not apply to a binary task (the label 'class'). Use one of auc, auprc, accuracy, f1, logLoss, ks, gini.");
        await AssertFieldAsync(client, new { datasetId, label = "duration", scenario = "auto", task = "regression", budgetSeconds = 5, modelName = "m", metric = "auc" }, "metric",
            "'auc' does not apply to a regression task (the label 'duration'). Use one of rmse, mae, r2.");
        await AssertFieldAsync(client, new { datasetId, label = "purpose", scenario = "auto", budgetSeconds = 5, modelName = "m", metric = "f1" }, "metric",
            "'f1' does not apply to a multiclass task (the label 'purpose'). Use one of accuracy, macroAccuracy, logLoss, macroF1.");
        await AssertFieldAsync(client, new { datasetId, scenario = "recommendation", userColumn = "checking_status", itemColumn = "purpose", budgetSeconds = 5, modelName = "m", metric = "auc" }, "metric",
            "'auc': the recommendation sweep always ranks by ndcgAt10; metric applies to the scenarios auto, credit, fraud and sentiment.");

        await AssertFieldAsync(client, new { datasetId, label = "class", scenario = "credit", budgetSeconds = 5, modelName = "m", testDatasetId = "nope" }, "testDatasetId",
            "There is no dataset 'nope' in your tenant.");
        await AssertFieldAsync(client, new { datasetId, label = "class", scenario = "credit", budgetSeconds = 5, modelName = "m", testDatasetId = other, ignoreColumns = new[] { "duration", "credit_history", "purpose", "credit_amount", "savings_status", "employment", "installment_commitment", "personal_status", "other_parties", "residence_since", "property_magnitude", "age", "other_payment_plans", "housing", "existing_credits", "job", "num_dependents", "own_telephone" } },
            "testDatasetId", "The test dataset 'other' has no column 'foreign_worker', which dataset 'credit-german-statlog' has: the winner is scored on its label and feature columns (ignoreColumns leaves a column out of both). Columns: checking_status, class, x.");
        var small = await UploadAsync(client, "small.csv", System.Text.Encoding.UTF8.GetBytes("a,b,y\n" + string.Concat(Enumerable.Range(0, 40).Select(i => $"{i},{(i % 3 == 0 ? "p" : "q")},{(i % 2 == 0 ? "yes" : "no")}\n"))));
        await AssertFieldAsync(client, new { datasetId = small, label = "y", scenario = "auto", budgetSeconds = 5, modelName = "m", testDatasetId = await UploadAsync(client, "no-label.csv", "a\n1\n2\n"u8.ToArray()) },
            "testDatasetId", "The test dataset 'no-label' has no columns 'b', 'y', which dataset 'small' has: the winner is scored on its label and feature columns (ignoreColumns leaves a column out of both). Columns: a.");

        foreach (var holdout in new[] { 0.0, 0.7, -0.1 })
        {
            await AssertFieldAsync(client, new { datasetId, label = "class", scenario = "auto", budgetSeconds = 5, modelName = "m", holdoutFraction = holdout }, "holdoutFraction",
                string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Must be in (0, 0.5]: the share of the dataset's rows held out of the sweep and used to test its winner; found {holdout}."));
        }

        await AssertFieldAsync(client, new { datasetId, label = "class", scenario = "auto", budgetSeconds = 5, modelName = "m", holdoutFraction = 0.2, testDatasetId = datasetId }, "holdoutFraction",
            "Send one of holdoutFraction and testDatasetId, not both: each chooses the rows the winner is tested on (a share of the dataset held out of the sweep, or a second dataset).");
        await AssertFieldAsync(client, new { datasetId, scenario = "recommendation", userColumn = "checking_status", itemColumn = "purpose", budgetSeconds = 5, modelName = "m", holdoutFraction = 0.2 }, "holdoutFraction",
            "Applies to the scenarios auto, credit, fraud and sentiment; the recommendation sweep holds out interactions per user, and testDatasetId names its test interactions.");
        await AssertNoExperimentAsync(client);
    }

    /// <summary>
    /// A test dataset whose label holds a class the training label lacks is a 400 naming the test dataset, the label,
    /// each unseen value with its rows and first line, and the training classes, before anything is stored (the sweep
    /// had run its whole budget and then failed on the test rows). Checked from the profiles when their top values list
    /// the whole label (credit-german's good/bad), else by reading the stored label column: 12 numeric class codes
    /// (more than a profile's 10 top values) where the test's <c>3.0</c> is class 3 and its <c>13</c> is no class. The
    /// same values under a regression label, a boolean label spelt differently (<c>Yes</c> for <c>yes</c>), and a 0/1
    /// label tested with <c>1.0</c> and <c>0.0</c> (a float export of the same column), pass.
    /// </summary>
    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task Experiment_TestDatasetWithAClassTheTrainingLabelLacks_Is400NamingTheValues(Backend backend)
    {
        await using var scope = await BackendScope.CreateAsync(backend, "testcls");
        using var api = new ApiHost(scope);
        using var client = api.Client();
        var lines = await DatasetLinesAsync("credit-german-statlog.csv");
        var trainId = await UploadAsync(client, "credit-train.csv", System.Text.Encoding.UTF8.GetBytes(string.Join('\n', lines.Take(801)) + "\n"));
        // Data rows 3 and 6 to 8 (lines 4, 7-9) relabelled: 'maybe' three times, 'unknown' once.
        var test = lines.Skip(801).Select((line, row) => row switch
        {
            2 or 5 or 7 => line[..line.LastIndexOf(',')] + ",maybe",
            6 => line[..line.LastIndexOf(',')] + ",unknown",
            _ => line,
        });
        var testId = await UploadAsync(client, "credit-test.csv", System.Text.Encoding.UTF8.GetBytes(lines[0] + "\n" + string.Join('\n', test) + "\n"));
        await AssertFieldAsync(client, new { datasetId = trainId, label = "class", scenario = "credit", budgetSeconds = 5, modelName = "m", testDatasetId = testId }, "testDatasetId",
            $"The test dataset 'credit-test' (id {testId}) holds 2 values of the label 'class' that are not classes of dataset 'credit-train': 'maybe' (3 rows, first on line 4), 'unknown' (1 row, line 8). "
            + "The training classes are good, bad; the winner predicts only those, so test rows of another class cannot be scored. Relabel or remove those rows, or train on data that holds the class.");

        // 12 class codes: not all in the profile's top values, so the stored rows are read.
        var codes = System.Text.Encoding.UTF8.GetBytes("x,y\n" + string.Concat(Enumerable.Range(0, 240).Select(i => $"{i % 7},{i % 12 + 1}\n")));
        var codesId = await UploadAsync(client, "codes.csv", codes);
        var codesTestId = await UploadAsync(client, "codes-test.csv", "x,y\n1,3.0\n2,13\n3,5\n4,13\n5,\n"u8.ToArray());
        // Named multiclass, or inferred from the values (whole numbers, 20 rows each: class codes, as the sweep reads them).
        foreach (var task in new[] { "multiclass", null })
        {
            await AssertFieldAsync(client, new { datasetId = codesId, label = "y", task, scenario = "auto", budgetSeconds = 5, modelName = "m", testDatasetId = codesTestId }, "testDatasetId",
                $"The test dataset 'codes-test' (id {codesTestId}) holds 1 value of the label 'y' that is not a class of dataset 'codes': '13' (2 rows, first on line 3). "
                + "The training classes are 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12; the winner predicts only those, so test rows of another class cannot be scored. Relabel or remove those rows, or train on data that holds the class.");
        }

        await AssertNoExperimentAsync(client);

        // A regression label's test values need not be training values (named, or inferred from the values: the profile
        // sees 12 values from 1 to 12, 20 rows each, but 2.5 is not a class code); 3.0 is class 3 and yes/Yes are one class.
        var regression = await SubmitAsync(client, new { datasetId = codesId, label = "y", task = "regression", scenario = "auto", budgetSeconds = 5, modelName = "r", maxTrials = 1, testDatasetId = codesTestId });
        var quantities = await UploadAsync(client, "quantities.csv", System.Text.Encoding.UTF8.GetBytes("x,y\n" + string.Concat(Enumerable.Range(0, 240).Select(i => $"{i % 7},{(i % 12 == 1 ? "2.5" : $"{i % 12 + 1}")}\n"))));
        var quantity = await SubmitAsync(client, new { datasetId = quantities, label = "y", scenario = "auto", budgetSeconds = 5, modelName = "q", maxTrials = 1, testDatasetId = codesTestId });
        var sameCodes = await SubmitAsync(client, new { datasetId = codesId, label = "y", task = "multiclass", scenario = "auto", budgetSeconds = 5, modelName = "c", maxTrials = 1,
            testDatasetId = await UploadAsync(client, "codes-same.csv", "x,y\n1,3.0\n2,12\n3,1\n"u8.ToArray()) });
        var flags = await UploadAsync(client, "flags.csv", System.Text.Encoding.UTF8.GetBytes("x,y\n" + string.Concat(Enumerable.Range(0, 40).Select(i => $"{i},{(i % 2 == 0 ? "yes" : "no")}\n"))));
        var flagged = await SubmitAsync(client, new { datasetId = flags, label = "y", scenario = "auto", budgetSeconds = 5, modelName = "f", maxTrials = 1,
            testDatasetId = await UploadAsync(client, "flags-test.csv", "x,y\n1,Yes\n2,NO\n3,no\n"u8.ToArray()) });
        // A 0/1 label's test file written with floats (1.0, 0.0): read with the training types, those are its classes.
        var bits = await UploadAsync(client, "bits.csv", System.Text.Encoding.UTF8.GetBytes("x,y\n" + string.Concat(Enumerable.Range(0, 40).Select(i => $"{i},{i % 2}\n"))));
        var floats = await SubmitAsync(client, new { datasetId = bits, label = "y", scenario = "auto", budgetSeconds = 5, modelName = "b", maxTrials = 1,
            testDatasetId = await UploadAsync(client, "bits-test.csv", "x,y\n1,1.0\n2,0.0\n3,1.0\n"u8.ToArray()) });
        foreach (var id in new[] { regression, quantity, sameCodes, flagged, floats })
        {
            using var done = await WaitAsync(client, id);
            Assert.True(done.RootElement.GetProperty("status").GetString() == "succeeded", done.RootElement.ToString());
        }
    }

    /// <summary>
    /// An experiment with a metric and a test dataset ranks its leaderboard by that metric (logLoss: lower first) and
    /// answers the winner's metrics on the test rows, which a prediction call on the stored model reproduces; one with a
    /// holdoutFraction sweeps the other rows only (the version's lineage counts them) and answers the winner's metrics
    /// on the held-out rows.
    /// </summary>
    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task Experiment_MetricTestDatasetAndHoldout_RankByTheMetricAndAnswerTestMetrics(Backend backend)
    {
        await using var scope = await BackendScope.CreateAsync(backend, "exptest");
        using var api = new ApiHost(scope);
        using var client = api.Client();
        var lines = await DatasetLinesAsync("credit-german-statlog.csv");
        var header = lines[0];
        var trainCsv = string.Join('\n', lines.Take(701)) + "\n";
        var testCsv = header + "\n" + string.Join('\n', lines.Skip(701)) + "\n";
        var trainId = await UploadAsync(client, "credit-train.csv", System.Text.Encoding.UTF8.GetBytes(trainCsv));
        var testId = await UploadAsync(client, "credit-test.csv", System.Text.Encoding.UTF8.GetBytes(testCsv));
        var fullId = await UploadAsync(client, "credit-german-statlog.csv");

        var tested = await SubmitAsync(client, new { datasetId = trainId, label = "class", positiveClass = "bad", scenario = "auto", budgetSeconds = 60, modelName = "tested", seed = 1, maxTrials = 6, metric = "logLoss", testDatasetId = testId });
        var heldOut = await SubmitAsync(client, new { datasetId = fullId, label = "class", positiveClass = "bad", scenario = "credit", budgetSeconds = 60, modelName = "heldout", seed = 3, maxTrials = 6, holdoutFraction = 0.25 });

        using (var done = await WaitAsync(client, tested))
        {
            var root = done.RootElement;
            Assert.True(root.GetProperty("status").GetString() == "succeeded", root.ToString());
            Assert.Equal("logLoss", root.GetProperty("progress").GetProperty("metric").GetString());
            Assert.False(root.GetProperty("progress").GetProperty("higherIsBetter").GetBoolean());
            var scores = root.GetProperty("leaderboard").EnumerateArray().Select(r => r.GetProperty("validationScore"))
                .Where(v => v.ValueKind == JsonValueKind.Number).Select(v => v.GetDouble()).ToList();
            Assert.True(scores.Count >= 2, root.ToString());
            Assert.Equal(scores.Order().ToList(), scores);
            var test = root.GetProperty("test");
            foreach (var name in new[] { "auc", "auprc", "accuracy", "f1", "logLoss", "ks", "gini" })
            {
                Assert.True(test.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number, test.ToString());
            }

            Assert.Equal(test.GetProperty("logLoss").GetDouble(), root.GetProperty("winner").GetProperty("testScore").GetDouble(), 12);

            // The stored model's labels for the test rows (the 0.5 cut, as the report's accuracy) give the same accuracy
            // (the report writes six significant digits).
            using var body = new StringContent(testCsv, System.Text.Encoding.UTF8, "text/csv");
            using var predicted = await client.PostAsync("/api/models/tested/predict", body);
            var output = await predicted.Content.ReadAsStringAsync();
            Assert.True(predicted.IsSuccessStatusCode, output);
            var labels = output.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split(',')[0]).ToList();
            var classAt = Array.IndexOf(header.Split(','), "class");
            var truth = lines.Skip(701).Select(l => l.Split(',')[classAt]).ToList();
            Assert.Equal(truth.Count, labels.Count);
            Assert.Equal((double)labels.Zip(truth).Count(p => p.First == p.Second) / truth.Count, test.GetProperty("accuracy").GetDouble(), 5);

            using var model = JsonDocument.Parse(await client.GetStringAsync("/api/models/tested"));
            var version = model.RootElement.GetProperty("versions")[0];
            Assert.Equal("logLoss", version.GetProperty("metrics").GetProperty("metric").GetString());
            Assert.Equal(test.GetProperty("auc").GetDouble(), version.GetProperty("metrics").GetProperty("test").GetProperty("auc").GetDouble(), 12);
            Assert.Equal(300, version.GetProperty("lineage").GetProperty("testRows").GetInt32());
            Assert.Equal(testId, version.GetProperty("lineage").GetProperty("testDatasetId").GetString());
        }

        using (var done = await WaitAsync(client, heldOut))
        {
            var root = done.RootElement;
            Assert.True(root.GetProperty("status").GetString() == "succeeded", root.ToString());
            Assert.Equal("auc", root.GetProperty("progress").GetProperty("metric").GetString());
            var test = root.GetProperty("test");
            Assert.InRange(test.GetProperty("auc").GetDouble(), 0.5, 1.0);
            Assert.True(test.TryGetProperty("ks", out _), test.ToString());
            using var model = JsonDocument.Parse(await client.GetStringAsync("/api/models/heldout"));
            var lineage = model.RootElement.GetProperty("versions")[0].GetProperty("lineage");
            Assert.Equal(750, lineage.GetProperty("trainRows").GetInt32());
            Assert.Equal(250, lineage.GetProperty("holdoutRows").GetInt32());
            Assert.Equal(3, lineage.GetProperty("holdoutSeed").GetInt32());
        }

        // Without either, there is no test.
        var plain = await SubmitAsync(client, new { datasetId = trainId, label = "class", positiveClass = "bad", scenario = "auto", budgetSeconds = 30, modelName = "plain", seed = 1, maxTrials = 2 });
        using (var done = await WaitAsync(client, plain))
        {
            Assert.True(done.RootElement.GetProperty("status").GetString() == "succeeded", done.RootElement.ToString());
            Assert.Equal(JsonValueKind.Null, done.RootElement.GetProperty("test").ValueKind);
        }
    }

    /// <summary>
    /// Fields no sweep reads are refused, naming the field and what applies instead: userColumn and itemColumn
    /// on a tabular scenario, a timestampColumn on recommendation that holds no times; the unknown-scenario
    /// error lists recommendation.
    /// </summary>
    [Fact]
    public async Task Experiment_FieldTheScenarioDoesNotUse_Is400NamingIt()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "unused");
        using var api = new ApiHost(scope);
        using var client = api.Client();
        var datasetId = await UploadAsync(client, "credit-german-statlog.csv");

        await AssertFieldAsync(client, new { datasetId, label = "class", scenario = "credit", budgetSeconds = 5, modelName = "m", userColumn = "checking_status" }, "userColumn",
            "Applies to the recommendation scenario (its interactions' user and item ids), not 'credit'.");
        await AssertFieldAsync(client, new { datasetId, label = "class", scenario = "credit", budgetSeconds = 5, modelName = "m", itemColumn = "purpose" }, "itemColumn");
        await AssertFieldAsync(client, new { datasetId, scenario = "recommendation", userColumn = "checking_status", itemColumn = "purpose", budgetSeconds = 5, modelName = "m", timestampColumn = "job" },
            "timestampColumn", "'job' must hold dates and times or Unix seconds; it was read as categorical.");
        await AssertFieldAsync(client, new { datasetId, label = "class", scenario = "magic", budgetSeconds = 5, modelName = "m" }, "scenario",
            "Unknown scenario 'magic'. Known: auto, credit, fraud, recommendation, sentiment.");
        await AssertNoExperimentAsync(client);
    }

    /// <summary>
    /// A request without a dataset id or a label was told "There is no dataset '' in your tenant." or "The dataset has
    /// no column ''", as if it had named an empty one; it is now told the field is required and what it takes.
    /// </summary>
    [Fact]
    public async Task Experiment_DatasetIdOrLabelMissing_Is400SayingTheFieldIsRequired()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "required");
        using var api = new ApiHost(scope);
        using var client = api.Client();
        var datasetId = await UploadAsync(client, "small.csv", "x,y\n1,a\n2,b\n3,a\n4,b\n"u8.ToArray());

        await AssertFieldAsync(client, new { label = "y", scenario = "auto", budgetSeconds = 5, modelName = "m" }, "datasetId",
            "Required: the id of a dataset in your tenant (POST /api/datasets answers it); missing or empty.");
        await AssertFieldAsync(client, new { datasetId = "nope", label = "y", scenario = "auto", budgetSeconds = 5, modelName = "m" }, "datasetId",
            "There is no dataset 'nope' in your tenant.");
        await AssertFieldAsync(client, new { datasetId, scenario = "auto", budgetSeconds = 5, modelName = "m" }, "label",
            "Required: the column to predict; missing or empty. Columns: x, y.");
        await AssertFieldAsync(client, new { datasetId, label = "", scenario = "auto", budgetSeconds = 5, modelName = "m" }, "label",
            "Required: the column to predict; missing or empty. Columns: x, y.");
        await AssertNoExperimentAsync(client);
    }

    /// <summary>A numeric label with a stray value is refused naming the value and its line, not as "too many classes".</summary>
    [Fact]
    public async Task Experiment_NumericLabelWithAStrayValue_Is400NamingTheLine()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "straylabel");
        using var api = new ApiHost(scope);
        using var client = api.Client();
        var csv = "x,price\n" + string.Concat(Enumerable.Range(0, 60).Select(i => $"{i % 7},{(i == 30 ? "call us" : (100 + (i * 3.5)).ToString(System.Globalization.CultureInfo.InvariantCulture))}\n"));
        var datasetId = await UploadAsync(client, "prices.csv", System.Text.Encoding.UTF8.GetBytes(csv));

        await AssertFieldAsync(client, new { datasetId, label = "price", scenario = "auto", budgetSeconds = 5, modelName = "m" }, "label",
            "Label 'price': column 'price' was read as categorical although 59 of 60 values are numbers: prices, line 32 holds 'call us', which is not a number (or is beyond a 32-bit float). A numeric target must hold numbers only: fix or remove those rows.");
        await AssertNoExperimentAsync(client);
    }

    private static async Task AssertNoExperimentAsync(HttpClient client)
    {
        using var list = JsonDocument.Parse(await client.GetStringAsync("/api/experiments"));
        Assert.Equal(0, list.RootElement.GetProperty("total").GetInt64());
    }

    /// <summary>A shared dataset's lines (header first, no empty ones), to write an altered copy of it.</summary>
    private static async Task<string[]> DatasetLinesAsync(string file) =>
        System.Text.Encoding.UTF8.GetString(await DatasetsApiTests.ReadDatasetAsync(file)).Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries);

    internal static async Task<string> UploadAsync(HttpClient client, string file, byte[]? bytes = null)
    {
        bytes ??= await DatasetsApiTests.ReadDatasetAsync(file);
        using var response = await client.PostAsync("/api/datasets", DatasetsApiTests.Form(bytes, file));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>
    /// Submits an auto sweep of German credit. Tests that need only a finished sweep pass <paramref name="maxTrials"/> with
    /// a generous budget: the sweep ends after that many trials on an idle machine and still succeeds on a loaded one.
    /// </summary>
    internal static Task<string> SubmitAsync(HttpClient client, string datasetId, double budget, int seed, string modelName = "risk", int? maxTrials = null) =>
        SubmitAsync(client, new { datasetId, label = "class", positiveClass = "bad", scenario = "auto", budgetSeconds = budget, modelName, seed, maxTrials });

    /// <summary>Posts an experiment request and returns its id (asserting 202 and the queued status).</summary>
    internal static async Task<string> SubmitAsync(HttpClient client, object request)
    {
        using var response = await client.PostAsJsonAsync("/api/experiments", request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, body);
        using var json = JsonDocument.Parse(body);
        Assert.Equal("queued", json.RootElement.GetProperty("status").GetString());
        return json.RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>Submits <paramref name="request"/>, waits for it to succeed and returns the model it stored.</summary>
    private static async Task<JsonDocument> SucceededModelAsync(HttpClient client, object request, string modelName)
    {
        using var done = await WaitAsync(client, await SubmitAsync(client, request));
        Assert.True(done.RootElement.GetProperty("status").GetString() == "succeeded", done.RootElement.ToString());
        return JsonDocument.Parse(await client.GetStringAsync($"/api/models/{modelName}"));
    }

    internal static Task<JsonDocument> WaitAsync(HttpClient client, string id, int seconds = 90) => Processes.PollAsync(async () =>
    {
        var doc = JsonDocument.Parse(await client.GetStringAsync($"/api/experiments/{id}"));
        if (doc.RootElement.GetProperty("status").GetString() is "succeeded" or "failed" or "cancelled"
            && doc.RootElement.GetProperty("attempts").EnumerateArray().All(a => a.TryGetProperty("outcome", out var o) && o.ValueKind == JsonValueKind.String))
        {
            return doc;
        }

        doc.Dispose();
        return null;
    }, TimeSpan.FromSeconds(seconds), $"experiment {id} to finish");

    private static async Task AssertFieldAsync(HttpClient client, object request, string field, string? detail = null)
    {
        using var response = await client.PostAsJsonAsync("/api/experiments", request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body);
        using var json = JsonDocument.Parse(body);
        Assert.Equal(field, json.RootElement.GetProperty("field").GetString());
        if (detail is not null)
        {
            Assert.Equal(detail, json.RootElement.GetProperty("detail").GetString());
        }
    }
}

/// <summary>Schedule definitions: cron validation, pause with reason, resume, delete.</summary>
public sealed class SchedulesApiTests
{
    [Fact]
    public async Task Schedules_InvalidCronPauseResumeDelete_Behave()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "sched");
        using var api = new ApiHost(scope);
        using var client = api.Client();
        var experiment = new { datasetName = "credit", label = "class", scenario = "auto", budgetSeconds = 10, modelName = "risk" };

        using (var bad = await client.PostAsJsonAsync("/api/schedules", new { name = "nightly", cron = "0 0 25 * * ?", experiment }))
        {
            var body = await bad.Content.ReadAsStringAsync();
            Assert.True(bad.StatusCode == HttpStatusCode.BadRequest, body);
            using var json = JsonDocument.Parse(body);
            Assert.Equal("cron", json.RootElement.GetProperty("field").GetString());
            Assert.False(string.IsNullOrWhiteSpace(json.RootElement.GetProperty("detail").GetString()));
        }

        using (var bad = await client.PostAsJsonAsync("/api/schedules",
            new { name = "nightly", cron = "0 0 2 * * ?", experiment = new { datasetName = "credit", label = "class", scenario = "auto", budgetSeconds = 10, modelName = "risk", timestampColumn = "duration" } }))
        {
            var body = await bad.Content.ReadAsStringAsync();
            Assert.True(bad.StatusCode == HttpStatusCode.BadRequest, body);
            using var json = JsonDocument.Parse(body);
            Assert.Equal("experiment.timestampColumn", json.RootElement.GetProperty("field").GetString());
            Assert.StartsWith("applies to the fraud scenario", json.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        using (var bad = await client.PostAsJsonAsync("/api/schedules",
            new { name = "nightly", cron = "0 0 2 * * ?", experiment = new { datasetName = "credit", label = "class", scenario = "auto", budgetSeconds = 10, modelName = "risk", task = "ranking" } }))
        {
            var body = await bad.Content.ReadAsStringAsync();
            Assert.True(bad.StatusCode == HttpStatusCode.BadRequest, body);
            using var json = JsonDocument.Parse(body);
            Assert.Equal("experiment.task", json.RootElement.GetProperty("field").GetString());
            Assert.Equal("'ranking': expected binary, multiclass or regression.", json.RootElement.GetProperty("detail").GetString());
        }

        using (var bad = await client.PostAsJsonAsync("/api/schedules",
            new { name = "nightly", cron = "0 0 2 * * ?", experiment = new { datasetName = "credit", label = "class", scenario = "auto", budgetSeconds = 10, modelName = "risk", maxTrials = 100_001 } }))
        {
            var body = await bad.Content.ReadAsStringAsync();
            Assert.True(bad.StatusCode == HttpStatusCode.BadRequest, body);
            using var json = JsonDocument.Parse(body);
            Assert.Equal("experiment.maxTrials", json.RootElement.GetProperty("field").GetString());
            Assert.Equal("must be in [1, 100000] trials (the sweep also ends at its budget); found 100001.", json.RootElement.GetProperty("detail").GetString());
        }

        using (var bad = await client.PostAsJsonAsync("/api/schedules",
            new { name = "nightly", cron = "0 0 2 * * ?", experiment = new { datasetName = "credit", label = "class", scenario = "auto", modelName = "risk" } }))
        {
            // A missing budget is said to be required, not quoted a range with "found 0".
            var body = await bad.Content.ReadAsStringAsync();
            Assert.True(bad.StatusCode == HttpStatusCode.BadRequest, body);
            using var json = JsonDocument.Parse(body);
            Assert.Equal("experiment.budgetSeconds", json.RootElement.GetProperty("field").GetString());
            Assert.Equal("required, the sweep's wall-clock budget in seconds, in (0, 86400]; missing or 0.", json.RootElement.GetProperty("detail").GetString());
        }

        using (var ok = await client.PostAsJsonAsync("/api/schedules", new { name = "nightly", cron = "0 0 2 * * ?", experiment }))
        {
            Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
        }

        using (var pause = await client.PostAsJsonAsync("/api/schedules/nightly/pause", new { reason = "data outage" }))
        {
            using var json = JsonDocument.Parse(await pause.Content.ReadAsStringAsync());
            Assert.True(json.RootElement.GetProperty("paused").GetBoolean());
            Assert.Equal("data outage", json.RootElement.GetProperty("pauseReason").GetString());
            Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("pausedBy").GetString()));
        }

        using (var resume = await client.PostAsync("/api/schedules/nightly/resume", null))
        {
            using var json = JsonDocument.Parse(await resume.Content.ReadAsStringAsync());
            Assert.False(json.RootElement.GetProperty("paused").GetBoolean());
        }

        using var delete = await client.DeleteAsync("/api/schedules/nightly");
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        using var gone = await client.GetAsync("/api/schedules/nightly");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    /// <summary>
    /// A cron expression that parses but never fires (February 30, a year gone by) was a 500 from Quartz's "will never
    /// fire" once the schedule was being stored; a name with '/', '?' or a space was stored (201) but could never be
    /// fetched, paused or deleted through /api/schedules/{name}. Both are 400s naming the field, and nothing is stored.
    /// </summary>
    [Fact]
    public async Task Schedules_CronThatNeverFiresOrNameThatCannotBeAUrlSegment_Are400AndNothingIsStored()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "schedcron");
        using var api = new ApiHost(scope);
        using var client = api.Client();
        var experiment = new { datasetName = "credit", label = "class", scenario = "auto", budgetSeconds = 10, modelName = "risk" };

        await AssertFieldAsync(client, new { name = "n", cron = "0 0 0 30 2 ?", experiment }, "cron",
            "Cron expression '0 0 0 30 2 ?' never fires after now in time zone 'UTC': no date matches it.");
        await AssertFieldAsync(client, new { name = "n", cron = "0 0 2 * * ? 2020", timeZone = "Europe/Zurich", experiment }, "cron",
            "Cron expression '0 0 2 * * ? 2020' never fires after now in time zone 'Europe/Zurich': no date matches it.");
        foreach (var name in new[] { "a/b", "nightly risk", "-x", "a?b", new string('s', 101) })
        {
            await AssertFieldAsync(client, new { name, cron = "0 0 2 * * ?", experiment }, "name",
                $"'{name}': use 1 to 100 letters, digits, '.', '-' or '_', starting with a letter or digit (the name is part of the schedule's URLs, /api/schedules/{{name}}).");
        }

        using (var list = JsonDocument.Parse(await client.GetStringAsync("/api/schedules")))
        {
            Assert.Equal(0, list.RootElement.GetArrayLength());
        }

        using var ok = await client.PostAsJsonAsync("/api/schedules", new { name = "Nightly_risk.v2", cron = "0 0 2 * * ? 2099", experiment });
        Assert.True(ok.StatusCode == HttpStatusCode.Created, await ok.Content.ReadAsStringAsync());
        using var fetched = await client.GetAsync("/api/schedules/Nightly_risk.v2");
        Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
    }

    /// <summary>
    /// What a schedule's refreshes would fail on, refused at creation naming the field: a model name that cannot be a
    /// URL segment (even before the dataset is uploaded), an experiment metric that does not suit the label's task, a
    /// test dataset no refresh reads, a
    /// recommendation scenario, and a promotion metric that does not suit the task of the dataset's label (inferred
    /// from its profile, or the schedule's task). holdoutFraction, which refreshes use, and a metric for the task are accepted.
    /// </summary>
    [Fact]
    public async Task Schedules_FieldsEveryRefreshWouldFailOrIgnore_Are400AtCreation()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "schedval");
        using var api = new ApiHost(scope);
        using var client = api.Client();
        var datasetId = await ExperimentFlowTests.UploadAsync(client, "credit-german-statlog.csv");
        const string Cron = "0 0 2 * * ?";

        await AssertFieldAsync(client, new { name = "n", cron = Cron, experiment = new { datasetName = "later", label = "class", scenario = "auto", budgetSeconds = 10, modelName = "a/b c" } },
            "experiment.modelName", "'a/b c': use 1 to 64 letters, digits, '.', '-' or '_', starting with a letter or digit (the name is part of the model's URLs, /api/models/{name}).");
        await AssertFieldAsync(client, new { name = "n", cron = Cron, experiment = new { datasetId, label = "class", scenario = "auto", budgetSeconds = 10, modelName = "risk", metric = "rmse" } },
            "experiment.metric", "'rmse' does not apply to a binary task (the label 'class'). Use one of auc, auprc, accuracy, f1, logLoss, ks, gini.");
        await AssertFieldAsync(client, new { name = "n", cron = Cron, experiment = new { datasetId, label = "class", scenario = "auto", budgetSeconds = 10, modelName = "risk", testDatasetId = datasetId } },
            "experiment.testDatasetId", "Does not apply to schedules: each refresh scores champion and challenger on a holdout of the newest dataset (experiment.holdoutFraction, default 0.2).");
        await AssertFieldAsync(client, new { name = "n", cron = Cron, experiment = new { datasetId, label = "class", scenario = "recommendation", budgetSeconds = 10, modelName = "risk" } },
            "experiment.scenario", "a schedule refreshes a tabular scenario (auto, credit, fraud, sentiment); 'recommendation' runs as a one-off experiment.");

        await AssertFieldAsync(client, new { name = "n", cron = Cron, experiment = new { datasetId, label = "class", scenario = "auto", budgetSeconds = 10, modelName = "risk" }, promotion = new { metric = "rmse" } },
            "promotion.metric", "'rmse' does not apply to a binary task. Use one of auc, auprc, accuracy, f1, logLoss, ks, gini.");
        await AssertFieldAsync(client, new { name = "n", cron = Cron, experiment = new { datasetId, label = "duration", scenario = "auto", budgetSeconds = 10, modelName = "risk", task = "regression" }, promotion = new { metric = "auc" } },
            "promotion.metric", "'auc' does not apply to a regression task. Use one of rmse, mae, r2.");
        await AssertFieldAsync(client, new { name = "n", cron = Cron, experiment = new { datasetId, label = "purpose", scenario = "auto", budgetSeconds = 10, modelName = "risk" }, promotion = new { metric = "auc" } },
            "promotion.metric", "'auc' does not apply to a multiclass task. Use one of accuracy, macroAccuracy, logLoss, macroF1.");
        using (var list = JsonDocument.Parse(await client.GetStringAsync("/api/schedules")))
        {
            Assert.Equal(0, list.RootElement.GetArrayLength());
        }

        using var ok = await client.PostAsJsonAsync("/api/schedules",
            new { name = "nightly", cron = Cron, experiment = new { datasetId, label = "class", scenario = "auto", budgetSeconds = 10, modelName = "risk", holdoutFraction = 0.3, metric = "logLoss" }, promotion = new { metric = "auc" } });
        Assert.True(ok.StatusCode == HttpStatusCode.Created, await ok.Content.ReadAsStringAsync());
    }

    /// <summary>An unknown time zone was "Unknown time zone 'X'." with nothing on what the field takes; it now says.</summary>
    [Fact]
    public async Task Schedules_UnknownTimeZone_Is400SayingWhatItExpects()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "schedtz");
        using var api = new ApiHost(scope);
        using var client = api.Client();
        var experiment = new { datasetName = "credit", label = "class", scenario = "auto", budgetSeconds = 10, modelName = "risk" };

        foreach (var zone in new[] { "Mars/Olympus", "W. Europe Standard Time" })
        {
            await AssertFieldAsync(client, new { name = "n", cron = "0 0 2 * * ?", timeZone = zone, experiment }, "timeZone",
                $"Unknown time zone '{zone}': expected an IANA id such as 'Europe/Zurich' or 'UTC' (Windows ids such as 'W. Europe Standard Time' are not known: the service runs without ICU to map them).");
        }

        using var list = JsonDocument.Parse(await client.GetStringAsync("/api/schedules"));
        Assert.Equal(0, list.RootElement.GetArrayLength());
    }

    private static async Task AssertFieldAsync(HttpClient client, object request, string field, string detail)
    {
        using var response = await client.PostAsJsonAsync("/api/schedules", request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body);
        using var json = JsonDocument.Parse(body);
        Assert.Equal(field, json.RootElement.GetProperty("field").GetString());
        Assert.Equal(detail, json.RootElement.GetProperty("detail").GetString());
    }
}
