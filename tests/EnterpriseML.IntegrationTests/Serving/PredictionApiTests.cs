using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapper;
using EnterpriseML.Api.Serving;
using EnterpriseML.IntegrationTests.Infrastructure;
using EnterpriseML.Registry;
using Microsoft.Extensions.DependencyInjection;

namespace EnterpriseML.IntegrationTests.Serving;

public sealed class PredictionApiTests
{
    private const int SampleRows = 40;

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task Predict_JsonAndCsv_EqualEmlPredictOnTheSameModel(Backend backend)
    {
        var model = await ServingModels.CreditGbdtAsync();
        var input = Path.Combine(Path.GetTempPath(), $"eml-serving-in-{Guid.NewGuid():N}.csv");
        var output = Path.Combine(Path.GetTempPath(), $"eml-serving-out-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(input, ServingModels.CreditSample(SampleRows));
        try
        {
            var (code, _, stderr) = await Processes.RunAsync(Processes.CliDll, ["predict", "--model", model, "--input", input, "--output", output]);
            Assert.True(code == 0, stderr);
            var cli = (await File.ReadAllLinesAsync(output)).ToArray();
            Assert.Equal("label,probability", cli[0]);
            Assert.Equal(SampleRows + 1, cli.Length);

            await using var scope = await BackendScope.CreateAsync(backend, "serve");
            using var api = new ApiHost(scope);
            using var admin = api.Client();
            var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "acme");
            await ServingModels.InsertVersionAsync(api, tenant, "credit", 1, "champion", model);
            using var client = api.Client(key);

            // CSV in, CSV out: byte for byte what eml predict writes.
            using var csvRequest = new StringContent(ServingModels.CreditSample(SampleRows), Encoding.UTF8, "text/csv");
            using var csvResponse = await client.PostAsync("/api/models/credit/predict", csvRequest);
            Assert.Equal(HttpStatusCode.OK, csvResponse.StatusCode);
            Assert.StartsWith("text/csv", csvResponse.Content.Headers.ContentType!.MediaType, StringComparison.Ordinal);
            Assert.False(csvResponse.Headers.Contains("X-Ignored-Columns"), "the label column is known, not ignored");
            var served = (await csvResponse.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
            Assert.Equal(cli, served);

            // JSON: same labels and probabilities.
            using var jsonResponse = await client.PostAsJsonAsync("/api/models/credit/predict", new { rows = ServingModels.CreditRows(SampleRows) });
            Assert.Equal(HttpStatusCode.OK, jsonResponse.StatusCode);
            var body = await jsonResponse.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("credit", body.GetProperty("model").GetString());
            Assert.Equal(1, body.GetProperty("version").GetInt32());
            var predictions = body.GetProperty("predictions").EnumerateArray().ToArray();
            Assert.Equal(SampleRows, predictions.Length);
            for (var i = 0; i < SampleRows; i++)
            {
                var cells = cli[i + 1].Split(',');
                Assert.Equal(cells[0], predictions[i].GetProperty("label").GetString());
                Assert.Equal(float.Parse(cells[1], CultureInfo.InvariantCulture), predictions[i].GetProperty("probability").GetSingle());
            }
        }
        finally
        {
            File.Delete(input);
            File.Delete(output);
        }
    }

    [Fact]
    public async Task Predict_BadRows_Return400NamingEachFieldAndRow()
    {
        var model = await ServingModels.CreditGbdtAsync();
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "serve");
        using var api = new ApiHost(scope, new() { ["Serving:MaxBatchRows"] = "5" });
        using var admin = api.Client();
        var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "acme");
        await ServingModels.InsertVersionAsync(api, tenant, "credit", 1, "champion", model);
        using var client = api.Client(key);

        var rows = ServingModels.CreditRows(3);
        rows[0].Remove("duration");                 // missing column
        rows[1]["credit_amount"] = "lots";           // unparsable number
        rows[2]["age"] = new[] { 1, 2 };             // wrong JSON type
        using var bad = await client.PostAsJsonAsync("/api/models/credit/predict", new { rows });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var problem = await bad.Content.ReadFromJsonAsync<JsonElement>();
        var errors = problem.GetProperty("errors");
        Assert.Contains("Missing required column 'duration'", errors.GetProperty("rows[0].duration")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("'lots'", errors.GetProperty("rows[1].credit_amount")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("array", errors.GetProperty("rows[2].age")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(3, errors.EnumerateObject().Count());

        using var notObject = await client.PostAsJsonAsync("/api/models/credit/predict", new { rows = new object[] { 42 } });
        Assert.Equal(HttpStatusCode.BadRequest, notObject.StatusCode);
        Assert.True((await notObject.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("rows[0]", out _));

        using var noRows = await client.PostAsJsonAsync("/api/models/credit/predict", new { data = 1 });
        Assert.Equal(HttpStatusCode.BadRequest, noRows.StatusCode);

        using var tooMany = await client.PostAsJsonAsync("/api/models/credit/predict", new { rows = ServingModels.CreditRows(6) });
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooMany.StatusCode);
        Assert.Contains("Serving:MaxBatchRows", (await tooMany.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);

        var extra = ServingModels.CreditRows(1);
        extra[0]["customer_id"] = "c-17";
        extra[0]["zzz"] = 1;
        using var ignored = await client.PostAsJsonAsync("/api/models/credit/predict", new { rows = extra });
        Assert.Equal(HttpStatusCode.OK, ignored.StatusCode);
        Assert.Equal("customer_id,zzz", Assert.Single(ignored.Headers.GetValues("X-Ignored-Columns")));

        var csvMissing = string.Join("\n", ServingModels.CreditSample(2).Split('\n').Select(l => string.Join(',', l.Split(',').Skip(1))));
        using var csvBad = await client.PostAsync("/api/models/credit/predict", new StringContent(csvMissing, Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.BadRequest, csvBad.StatusCode);
        var csvProblem = await csvBad.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(csvProblem.GetProperty("errors").TryGetProperty("checking_status", out _));
        Assert.Equal("The CSV header lacks 1 column(s) that model 'credit' v1 needs: checking_status.", csvProblem.GetProperty("detail").GetString());

        using var missingModel = await client.PostAsJsonAsync("/api/models/nope/predict", new { rows = ServingModels.CreditRows(1) });
        Assert.Equal(HttpStatusCode.NotFound, missingModel.StatusCode);
        using var missingVersion = await client.PostAsJsonAsync("/api/models/credit/predict?version=9", new { rows = ServingModels.CreditRows(1) });
        Assert.Equal(HttpStatusCode.NotFound, missingVersion.StatusCode);
    }

    /// <summary>
    /// An empty batch: JSON <c>{"rows": []}</c> answered 200 with no predictions, but a CSV body of a header line alone
    /// was a 400 ("no data rows"). Both are now an empty batch; a header that lacks inputs and an empty body stay 400s.
    /// </summary>
    [Fact]
    public async Task Predict_EmptyBatch_JsonAndHeaderOnlyCsvAnswer200WithNoPredictions()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "serve");
        using var api = new ApiHost(scope);
        using var admin = api.Client();
        var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "acme");
        await ServingModels.InsertVersionAsync(api, tenant, "credit", 1, "champion", await ServingModels.CreditGbdtAsync());
        using var client = api.Client(key);

        using var json = await client.PostAsJsonAsync("/api/models/credit/predict", new { rows = Array.Empty<object>() });
        var jsonText = await json.Content.ReadAsStringAsync();
        Assert.True(json.StatusCode == HttpStatusCode.OK, jsonText);
        Assert.Empty(JsonDocument.Parse(jsonText).RootElement.GetProperty("predictions").EnumerateArray());

        var header = ServingModels.CreditSample(0);
        foreach (var (body, ignored) in new[] { (header, (string?)null), (header.TrimEnd('\n'), null), ("customer_id," + header, "customer_id") })
        {
            using var csv = await client.PostAsync("/api/models/credit/predict", new StringContent(body, Encoding.UTF8, "text/csv"));
            var csvText = await csv.Content.ReadAsStringAsync();
            Assert.True(csv.StatusCode == HttpStatusCode.OK, $"{(int)csv.StatusCode}: {csvText}");
            Assert.Equal("label,probability\n", csvText);
            Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
            Assert.Equal("1", Assert.Single(csv.Headers.GetValues("X-Model-Version")));
            Assert.Equal(ignored, csv.Headers.TryGetValues("X-Ignored-Columns", out var values) ? Assert.Single(values) : null);
        }

        var lacking = string.Join(',', header.TrimEnd('\n').Split(',').Skip(1)) + "\n";
        using var missing = await client.PostAsync("/api/models/credit/predict", new StringContent(lacking, Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal("The CSV header lacks 1 column(s) that model 'credit' v1 needs: checking_status.",
            (await missing.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());

        using var empty = await client.PostAsync("/api/models/credit/predict", new StringContent("", Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Equal("Invalid CSV", (await empty.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
    }

    [Theory]
    [InlineData("gbdt")]
    [InlineData("logistic-regression")]
    public async Task Predict_Explain_ContributionsPlusBiasEqualTheMargin(string trainer)
    {
        var model = trainer == "gbdt" ? await ServingModels.CreditGbdtAsync() : await ServingModels.CreditLogisticAsync();
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "serve");
        using var api = new ApiHost(scope, new() { ["Serving:ExplainTop"] = "100" });
        using var admin = api.Client();
        var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "acme");
        await ServingModels.InsertVersionAsync(api, tenant, "credit", 1, "champion", model);
        using var client = api.Client(key);

        using var response = await client.PostAsJsonAsync("/api/models/credit/predict?explain=true", new { rows = ServingModels.CreditRows(10) });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var predictions = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("predictions").EnumerateArray().ToArray();
        Assert.Equal(10, predictions.Length);
        foreach (var p in predictions)
        {
            var explanation = p.GetProperty("explanation");
            var margin = explanation.GetProperty("bias").GetDouble();
            var contributions = explanation.GetProperty("contributions").EnumerateArray().ToArray();
            Assert.NotEmpty(contributions);
            var previous = double.MaxValue;
            foreach (var c in contributions)
            {
                Assert.False(string.IsNullOrEmpty(c.GetProperty("feature").GetString()));
                var value = c.GetProperty("contribution").GetDouble();
                Assert.True(Math.Abs(value) <= previous + 1e-12, "contributions are ordered by magnitude");
                previous = Math.Abs(value);
                margin += value;
            }

            var probability = p.GetProperty("probability").GetDouble();
            Assert.Equal(probability, 1 / (1 + Math.Exp(-margin)), 4);
        }
    }

    [Fact]
    public async Task Predict_ExplainEnsemble_PerColumnContributionsAddUpToTheEnsemblesProbability()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "serve");
        using var api = new ApiHost(scope, new() { ["Serving:ExplainTop"] = "100" });
        using var admin = api.Client();
        var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "acme");
        await ServingModels.InsertVersionAsync(api, tenant, "blend", 1, "champion", await ServingModels.CreditEnsembleAsync());
        await ServingModels.InsertVersionAsync(api, tenant, "lr", 1, "champion", await ServingModels.CreditLogisticAsync());
        await ServingModels.InsertVersionAsync(api, tenant, "gbdt", 1, "champion", await ServingModels.CreditGbdtAsync());
        using var client = api.Client(key);
        var rows = new { rows = ServingModels.CreditRows(8) };

        var blend = await PredictionsAsync(client, "blend?explain=true", rows);
        var lr = await PredictionsAsync(client, "lr", rows);
        var gbdt = await PredictionsAsync(client, "gbdt", rows);

        for (var r = 0; r < blend.Length; r++)
        {
            var explanation = blend[r].GetProperty("explanation");
            var contributions = explanation.GetProperty("contributions").EnumerateArray().ToArray();
            var names = contributions.Select(c => c.GetProperty("feature").GetString()).ToArray();
            Assert.Equal(names.Length, names.Distinct().Count()); // one entry per feature, both members' parts summed
            var total = explanation.GetProperty("bias").GetDouble() + contributions.Sum(c => c.GetProperty("contribution").GetDouble());
            var probability = blend[r].GetProperty("probability").GetDouble();
            Assert.Equal((2.0 / 3 * lr[r].GetProperty("probability").GetDouble()) + (1.0 / 3 * gbdt[r].GetProperty("probability").GetDouble()), probability, 5);
            Assert.Equal(probability, total, 4);
        }
    }

    /// <summary>
    /// A numeric input far outside the training range makes a linear model's contribution overflow a 32-bit float
    /// (carat 3e38 times a ridge coefficient in the thousands): the row is still predicted, and instead of an
    /// explanation it says which feature overflowed. Writing the infinite contribution failed the whole request with a
    /// 500 (JSON has no infinity); the other rows keep their explanations, which add up to their values.
    /// </summary>
    [Fact]
    public async Task Predict_ExplainWhereAContributionOverflows_PredictsAndSaysWhyForThatRowOnly()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "serve");
        using var api = new ApiHost(scope, new() { ["Serving:ExplainTop"] = "100" });
        using var admin = api.Client();
        var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "acme");
        await ServingModels.InsertVersionAsync(api, tenant, "diamonds", 1, "champion", await ServingModels.DiamondsRidgeAsync());
        using var client = api.Client(key);
        var rows = ServingModels.DiamondsRows(3);
        rows[1]["carat"] = 3e38;

        var predictions = await PredictionsAsync(client, "diamonds?explain=true", new { rows });
        Assert.Equal(3, predictions.Length);
        Assert.All(predictions, p => Assert.True(double.IsFinite(p.GetProperty("value").GetDouble())));
        foreach (var r in new[] { 0, 2 })
        {
            var explanation = predictions[r].GetProperty("explanation");
            var total = explanation.GetProperty("bias").GetDouble() + explanation.GetProperty("contributions").EnumerateArray().Sum(c => c.GetProperty("contribution").GetDouble());
            Assert.Equal(predictions[r].GetProperty("value").GetDouble(), total, 1);
            Assert.False(predictions[r].TryGetProperty("explanationUnavailable", out _));
        }

        Assert.False(predictions[1].TryGetProperty("explanation", out _));
        Assert.Equal(
            "the contribution of 'carat' is beyond the range of a 32-bit float (an input far outside the training data), so no bias and contributions add up to this row's score",
            predictions[1].GetProperty("explanationUnavailable").GetString());
    }

    /// <summary>
    /// Explanations are given for JSON rows only: <c>?explain=true</c> on a CSV body is a 400 that says so, rather than
    /// the plain CSV answer as if explain had not been asked for.
    /// </summary>
    [Fact]
    public async Task PredictCsv_WithExplain_Returns400SayingExplanationsAreForJsonRows()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "serve");
        using var api = new ApiHost(scope);
        using var admin = api.Client();
        var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "acme");
        await ServingModels.InsertVersionAsync(api, tenant, "credit", 1, "champion", await ServingModels.CreditGbdtAsync());
        using var client = api.Client(key);

        using var explained = await client.PostAsync("/api/models/credit/predict?explain=true", new StringContent(ServingModels.CreditSample(2), Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.BadRequest, explained.StatusCode);
        var problem = await explained.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Query parameter 'explain': explanations are given for JSON rows only (Content-Type: application/json); a CSV body is scored without them.", problem.GetProperty("detail").GetString());

        // explain=false, or none, scores the CSV as before.
        foreach (var query in new[] { "?explain=false", "" })
        {
            using var plain = await client.PostAsync("/api/models/credit/predict" + query, new StringContent(ServingModels.CreditSample(2), Encoding.UTF8, "text/csv"));
            Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
            Assert.Equal(3, (await plain.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        }
    }

    /// <summary>
    /// <c>?explainBy=column</c> names every contribution by the input column it comes from, whatever the model kind: a
    /// linear model's one-hot levels and missing indicators and a tree model's level codes both become
    /// <c>checking_status</c>, so an ensemble of the two gives one entry per column instead of <c>checking_status</c>
    /// and <c>checking_status=&lt;0</c> side by side. The sums are the same as per feature; any other value is a 400.
    /// </summary>
    [Fact]
    public async Task Predict_ExplainByColumn_EveryModelKindNamesInputColumnsAndAddsUpAlike()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "serve");
        using var api = new ApiHost(scope, new() { ["Serving:ExplainTop"] = "100" });
        using var admin = api.Client();
        var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "acme");
        await ServingModels.InsertVersionAsync(api, tenant, "blend", 1, "champion", await ServingModels.CreditEnsembleAsync());
        await ServingModels.InsertVersionAsync(api, tenant, "lr", 1, "champion", await ServingModels.CreditLogisticAsync());
        await ServingModels.InsertVersionAsync(api, tenant, "gbdt", 1, "champion", await ServingModels.CreditGbdtAsync());
        await ServingModels.InsertVersionAsync(api, tenant, "scorecard", 1, "champion", ServingModels.CreditScorecard());
        using var client = api.Client(key);
        var rows = ServingModels.CreditRows(6);
        rows[0]["age"] = null!;
        rows[1]["checking_status"] = "never seen";
        var inputs = rows[0].Keys.ToHashSet(StringComparer.Ordinal);

        foreach (var model in new[] { "blend", "lr", "gbdt", "scorecard" })
        {
            var byFeature = await PredictionsAsync(client, $"{model}?explain=true", new { rows });
            var byColumn = await PredictionsAsync(client, $"{model}?explain=true&explainBy=column", new { rows });
            for (var r = 0; r < rows.Count; r++)
            {
                var features = byFeature[r].GetProperty("explanation").GetProperty("contributions").EnumerateArray()
                    .Select(c => (Name: c.GetProperty("feature").GetString()!, Value: c.GetProperty("contribution").GetDouble())).ToArray();
                var columns = byColumn[r].GetProperty("explanation").GetProperty("contributions").EnumerateArray()
                    .Select(c => (Name: c.GetProperty("feature").GetString()!, Value: c.GetProperty("contribution").GetDouble())).ToArray();
                Assert.All(columns, c => Assert.Contains(c.Name, inputs));
                Assert.Equal(columns.Length, columns.Select(c => c.Name).Distinct().Count());
                Assert.Equal(byFeature[r].GetProperty("explanation").GetProperty("bias").GetDouble(), byColumn[r].GetProperty("explanation").GetProperty("bias").GetDouble());
                Assert.Equal(features.Sum(c => c.Value), columns.Sum(c => c.Value), 4);

                // checking_status's entry is the sum of every feature made from it (checking_status, checking_status=<0, ...).
                var fromChecking = features.Where(f => f.Name == "checking_status" || f.Name.StartsWith("checking_status=", StringComparison.Ordinal)).Sum(f => f.Value);
                Assert.Equal(fromChecking, columns.Where(c => c.Name == "checking_status").Sum(c => c.Value), 4);
                for (var i = 1; i < columns.Length; i++)
                {
                    Assert.True(Math.Abs(columns[i - 1].Value) >= Math.Abs(columns[i].Value), $"{model} row {r}: contributions by column are not ordered by size");
                }
            }

            if (model is "lr" or "blend")
            {
                // Per feature, a one-hot level such as checking_status=<0 is named: not an input column.
                Assert.Contains(byFeature, p => p.GetProperty("explanation").GetProperty("contributions").EnumerateArray().Any(c => !inputs.Contains(c.GetProperty("feature").GetString()!)));
            }
        }

        using var bad = await client.PostAsJsonAsync("/api/models/lr/predict?explain=true&explainBy=level", new { rows });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("Query parameter 'explainBy': 'level' is not one of feature (the default: contributions per feature the model sees) or column (per input column).",
            (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
    }

    /// <summary>
    /// <c>?explainBy=</c> without <c>explain=true</c> was ignored: the rows were scored without explanations, as if it had
    /// not been sent. It is a 400 naming the parameter and saying it needs <c>explain=true</c>, for a JSON or a CSV body.
    /// </summary>
    [Fact]
    public async Task Predict_ExplainByWithoutExplain_Returns400SayingItNeedsExplain()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "serve");
        using var api = new ApiHost(scope);
        using var admin = api.Client();
        var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "acme");
        await ServingModels.InsertVersionAsync(api, tenant, "lr", 1, "champion", await ServingModels.CreditLogisticAsync());
        using var client = api.Client(key);
        var rows = ServingModels.CreditRows(2);

        foreach (var (query, detail) in new[]
        {
            ("explainBy=column", "Query parameter 'explainBy': it groups explanations and needs explain=true; found explainBy=column with no explain."),
            ("explainBy=feature&explain=false", "Query parameter 'explainBy': it groups explanations and needs explain=true; found explainBy=feature with explain=false."),
        })
        {
            using var json = await client.PostAsJsonAsync($"/api/models/lr/predict?{query}", new { rows });
            await ServingInputTests.AssertProblemAsync(json, "Invalid query parameter", detail);
            using var csv = await client.PostAsync($"/api/models/lr/predict?{query}", new StringContent("checking_status,duration\n<0,6\n", System.Text.Encoding.UTF8, "text/csv"));
            await ServingInputTests.AssertProblemAsync(csv, "Invalid query parameter", detail);
        }

        // With explain=true it groups the explanation, as before.
        var explained = await PredictionsAsync(client, "lr?explain=true&explainBy=column", new { rows });
        Assert.All(explained, p => Assert.True(p.TryGetProperty("explanation", out _), p.ToString()));
    }

    /// <summary>
    /// A multiclass model (GBDT of diamonds' cut, five classes) explains the class it predicts (<c>label</c>): with
    /// Serving:ExplainTop above the feature count every non-zero contribution is listed, and the bias plus them is that
    /// class's margin as the engine explains it, not another class's. A date-time column's parts (a logistic model of
    /// credit with an application date, where every part contributes) sum into the column with explainBy=column.
    /// </summary>
    [Fact]
    public async Task Predict_ExplainMulticlassAndDateParts_PredictedClassMarginAndPartsSummedIntoTheirColumn()
    {
        var diamonds = Engine.Data.CsvTable.Read(TestPaths.Dataset("tabular-diamonds.csv"));
        diamonds = diamonds.SelectRows([.. Enumerable.Range(0, 2000)]).WithoutColumns(["price"]);
        var cut = Fit(new Engine.AutoML.CandidateData(diamonds.WithoutColumns(["cut"]), Codes(diamonds, "cut", out var classes), Engine.Trainers.TaskKind.Multiclass, classes), "cut", "gbdt");
        var datedFile = Path.Combine(Path.GetTempPath(), $"eml-dated-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(datedFile, ServingModels.CreditWithDateSample(1000));
        var datedTable = Engine.Data.CsvTable.Read(datedFile);
        File.Delete(datedFile);
        var dated = Fit(Engine.AutoML.LabelEncoding.Encode(datedTable, ServingModels.CreditLabel, Engine.Trainers.TaskKind.Binary, "bad"), ServingModels.CreditLabel, "logistic-regression");

        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "serve");
        using var api = new ApiHost(scope, new() { ["Serving:ExplainTop"] = "100" });
        using var admin = api.Client();
        var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "acme");
        await ServingModels.InsertVersionAsync(api, tenant, "cut", 1, "champion", cut.Path);
        await ServingModels.InsertVersionAsync(api, tenant, "dated", 1, "champion", dated.Path);
        using var client = api.Client(key);

        var rows = ServingModels.DiamondsRows(12);
        var predictions = await PredictionsAsync(client, "cut?explain=true", new { rows });
        var engine = cut.Model.CreateEngine();
        var output = new float[classes.Length];
        var contributions = new float[cut.Model.Predictor.FeatureCount];
        var explainer = (Engine.Trainers.IExplainablePredictor)cut.Model.Predictor;
        var labels = new HashSet<string>(StringComparer.Ordinal);
        for (var r = 0; r < rows.Count; r++)
        {
            engine.Clear();
            foreach (var (column, value) in rows[r])
            {
                if (engine.IndexOf(column) is var i and >= 0)
                {
                    engine.SetFromString(i, Convert.ToString(value, CultureInfo.InvariantCulture));
                }
            }

            engine.Predict(output);
            var label = predictions[r].GetProperty("label").GetString()!;
            var k = Array.IndexOf(classes, label);
            Assert.Equal(Enumerable.Range(0, classes.Length).MaxBy(c => output[c]), k);
            labels.Add(label);
            var explanation = predictions[r].GetProperty("explanation");
            var listed = explanation.GetProperty("contributions").EnumerateArray().ToArray();
            var bias = explainer.Explain(engine.Featurize(), contributions, k);
            Assert.Equal(contributions.Count(c => c != 0), listed.Length);
            Assert.Equal(bias, explanation.GetProperty("bias").GetSingle());
            var total = explanation.GetProperty("bias").GetDouble() + listed.Sum(c => c.GetProperty("contribution").GetDouble());
            Assert.Equal(bias + contributions.Sum(c => (double)c), total, 4);
            var other = (k + 1) % classes.Length;
            Assert.NotEqual(explainer.Explain(engine.Featurize(), contributions, other) + contributions.Sum(c => (double)c), total, 2);
        }

        Assert.True(labels.Count > 1, "the rows are predicted as more than one class");

        var creditRows = ServingModels.CreditRows(6);
        for (var r = 0; r < creditRows.Count; r++)
        {
            creditRows[r][ServingModels.DateColumn] = $"2019-0{1 + r}-1{r} 0{r}:30";
        }

        var byFeature = await PredictionsAsync(client, "dated?explain=true", new { rows = creditRows });
        var byColumn = await PredictionsAsync(client, "dated?explain=true&explainBy=column", new { rows = creditRows });
        for (var r = 0; r < creditRows.Count; r++)
        {
            var parts = byFeature[r].GetProperty("explanation").GetProperty("contributions").EnumerateArray()
                .Where(c => c.GetProperty("feature").GetString()!.StartsWith(ServingModels.DateColumn + ".", StringComparison.Ordinal)).ToArray();
            Assert.True(parts.Length >= 4, $"row {r}: {parts.Length} date parts contribute");
            var column = Assert.Single(byColumn[r].GetProperty("explanation").GetProperty("contributions").EnumerateArray(),
                c => c.GetProperty("feature").GetString() == ServingModels.DateColumn);
            Assert.Equal(parts.Sum(c => c.GetProperty("contribution").GetDouble()), column.GetProperty("contribution").GetDouble(), 5);
        }

        static float[] Codes(Engine.Data.DataTable table, string column, out string[] names)
        {
            var values = ((Engine.Data.StringColumn)table[column]).Values.ToArray();
            names = [.. values.Distinct().Order(StringComparer.Ordinal)!];
            var order = names;
            return [.. values.Select(v => (float)Array.IndexOf(order, v))];
        }

        static (Engine.Models.ModelPipeline Model, string Path) Fit(Engine.AutoML.CandidateData data, string label, string trainer)
        {
            var model = Engine.Models.TabularTraining.Fit(data, label, Engine.Trainers.TrainerCatalog.Create(trainer, trainer == "gbdt" ? [new("NumberOfTrees", "20")] : [], seed: 7, threads: 1),
                Engine.Trainers.TrainerCatalog.Get(trainer).Featurization(), new Dictionary<string, string> { ["trainer"] = trainer });
            var path = Path.Combine(Path.GetTempPath(), $"eml-serving-{trainer}-{Guid.NewGuid():N}.eml");
            using (var file = File.Create(path))
            {
                model.Save(file);
            }

            return (model, path);
        }
    }

    /// <summary>Serving:ExplainTop outside [1, 100] stops the service at start, naming the setting; 1 and 100 start and bound the list.</summary>
    [Theory]
    [InlineData("0")]
    [InlineData("101")]
    [InlineData("-5")]
    public async Task ExplainTop_OutOfRange_RefusedAtStart(string value)
    {
        var output = await Processes.ApiRefusingToStartAsync(new Dictionary<string, string?> { ["Serving:ExplainTop"] = value });
        Processes.AssertOnlyStartupRefusal(output, "EnterpriseML API cannot start: Serving:ExplainTop: The field ExplainTop must be between 1 and 100.");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(100)]
    public async Task ExplainTop_AtItsBounds_ListsAtMostThatManyContributions(int top)
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "explaintop");
        using var api = new ApiHost(scope, new() { ["Serving:ExplainTop"] = top.ToString(CultureInfo.InvariantCulture) });
        using var admin = api.Client();
        var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "acme");
        await ServingModels.InsertVersionAsync(api, tenant, "lr", 1, "champion", await ServingModels.CreditLogisticAsync());
        using var client = api.Client(key);
        var predictions = await PredictionsAsync(client, "lr?explain=true", new { rows = ServingModels.CreditRows(3) });
        var counts = predictions.Select(p => p.GetProperty("explanation").GetProperty("contributions").GetArrayLength()).ToArray();
        Assert.All(counts, c => Assert.InRange(c, 1, top));
        if (top == 1)
        {
            Assert.All(counts, c => Assert.Equal(1, c));
        }
        else
        {
            // A credit row has about twenty non-zero contributions: all of them are listed under a bound of 100.
            Assert.All(counts, c => Assert.InRange(c, 15, 100));
        }
    }

    [Fact]
    public async Task Predict_ExplainOnAModelThatCannotExplain_PredictsAndSaysWhy()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "serve");
        using var api = new ApiHost(scope);
        using var admin = api.Client();
        var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "acme");
        await ServingModels.InsertVersionAsync(api, tenant, "lexicon", 1, "champion", await ServingModels.CreditLexiconAsync());
        using var client = api.Client(key);

        using var response = await client.PostAsJsonAsync("/api/models/lexicon/predict?explain=true", new { rows = ServingModels.CreditRows(3) });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("lexicon features", body.GetProperty("explanationUnavailable").GetString(), StringComparison.Ordinal);
        var predictions = body.GetProperty("predictions").EnumerateArray().ToArray();
        Assert.Equal(3, predictions.Length);
        Assert.All(predictions, p => Assert.False(p.TryGetProperty("explanation", out _)));
        Assert.All(predictions, p => Assert.InRange(p.GetProperty("probability").GetDouble(), 0, 1));
    }

    [Fact]
    public async Task Predict_Scorecard_AddsPointsAndWithExplainItsReasonCodes()
    {
        var path = ServingModels.CreditScorecard();
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "serve");
        using var api = new ApiHost(scope);
        using var admin = api.Client();
        var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "acme");
        await ServingModels.InsertVersionAsync(api, tenant, "scorecard", 1, "champion", path);
        using var client = api.Client(key);

        var plain = await PredictionsAsync(client, "scorecard", new { rows = ServingModels.CreditRows(20) });
        var explained = await PredictionsAsync(client, "scorecard?explain=true", new { rows = ServingModels.CreditRows(20) });

        // The engine's own scoring of the same rows is the reference for points and reason codes.
        using var file = File.OpenRead(path);
        var model = Engine.Models.ModelPipeline.Load(file);
        var rows = Engine.Data.CsvTable.Read(TestPaths.Dataset("credit-german-statlog.csv")).SelectRows([.. Enumerable.Range(0, 20)]);
        Assert.True(Engine.Scenarios.Credit.ScorecardPredictor.TryScore(model, rows, Engine.Scenarios.Credit.ScorecardPredictor.DefaultReasonCount, out var expected));
        for (var r = 0; r < 20; r++)
        {
            Assert.Equal(Math.Round(expected[r].Points, 2), plain[r].GetProperty("score").GetDouble(), 6);
            Assert.False(plain[r].TryGetProperty("explanation", out _));
            var codes = explained[r].GetProperty("explanation").GetProperty("reasonCodes").EnumerateArray().ToArray();
            Assert.Equal(expected[r].ReasonCodes.Select(c => c.Feature), codes.Select(c => c.GetProperty("feature").GetString()));
            Assert.Equal(expected[r].ReasonCodes.Select(c => c.Bin), codes.Select(c => c.GetProperty("bin").GetString()));
            Assert.All(codes, c => Assert.True(c.GetProperty("points").GetDouble() < c.GetProperty("maximumPoints").GetDouble()));
        }

        Assert.Contains(explained, p => p.GetProperty("explanation").GetProperty("reasonCodes").GetArrayLength() > 0);
    }

    [Fact]
    public async Task Schema_TabularAndRecommenderVersions_SayWhatEachTakes()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "serve");
        using var api = new ApiHost(scope);
        using var admin = api.Client();
        var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "acme", "consumer");
        await ServingModels.InsertVersionAsync(api, tenant, "credit", 1, "champion", ServingModels.CreditScorecard());
        await ServingModels.InsertVersionAsync(api, tenant, "credit", 2, "candidate", await ServingModels.CreditLexiconAsync());
        await ServingModels.InsertVersionAsync(api, tenant, "scotch", 1, "champion", await ServingModels.ScotchItemKnnAsync());
        using var client = api.Client(key);

        // The champion, a scorecard: every column of its file but the label, typed as the model reads them.
        var header = File.ReadLines(TestPaths.Dataset("credit-german-statlog.csv")).First().Split(',');
        var scorecard = await client.GetFromJsonAsync<JsonElement>("/api/models/credit/schema");
        Assert.Equal("tabular", scorecard.GetProperty("kind").GetString());
        Assert.Equal(1, scorecard.GetProperty("version").GetInt32());
        Assert.Equal("binary", scorecard.GetProperty("task").GetString());
        Assert.Equal("class", scorecard.GetProperty("label").GetString());
        Assert.Equal(["bad", "good"], scorecard.GetProperty("classes").EnumerateArray().Select(c => c.GetString()!).Order(StringComparer.Ordinal));
        var inputs = scorecard.GetProperty("inputs").EnumerateArray().ToDictionary(i => i.GetProperty("name").GetString()!, i => i.GetProperty("type").GetString());
        Assert.Equal(header.Where(c => c != "class").Order(StringComparer.Ordinal), inputs.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("numeric", inputs["duration"]);
        Assert.Equal("categorical", inputs["purpose"]);
        Assert.True(scorecard.GetProperty("scorecard").GetBoolean());
        Assert.True(scorecard.GetProperty("explains").GetBoolean());
        Assert.Equal(JsonValueKind.Null, scorecard.GetProperty("explanationUnavailable").ValueKind);
        Assert.Equal(JsonValueKind.Null, scorecard.GetProperty("sampleUsers").ValueKind);

        // Another version by ?version, one that cannot explain, says why as predict would.
        var lexicon = await client.GetFromJsonAsync<JsonElement>("/api/models/credit/schema?version=2");
        Assert.Equal(2, lexicon.GetProperty("version").GetInt32());
        Assert.False(lexicon.GetProperty("explains").GetBoolean());
        Assert.False(lexicon.GetProperty("scorecard").GetBoolean());
        Assert.Contains("lexicon features", lexicon.GetProperty("explanationUnavailable").GetString(), StringComparison.Ordinal);

        // A recommender: how many users and items it knows, and a few real ones to try.
        var brands = File.ReadLines(TestPaths.Dataset("recsys-scotch-implicit.csv")).Skip(1).Select(l => l.Split(',')[1].Trim('"')).ToHashSet(StringComparer.Ordinal);
        var recommender = await client.GetFromJsonAsync<JsonElement>("/api/models/scotch/schema");
        Assert.Equal("recommender", recommender.GetProperty("kind").GetString());
        Assert.Equal(JsonValueKind.Null, recommender.GetProperty("inputs").ValueKind);
        Assert.InRange(recommender.GetProperty("items").GetInt32(), 2, brands.Count);
        Assert.True(recommender.GetProperty("users").GetInt32() > 100, recommender.ToString());
        var sampleItems = recommender.GetProperty("sampleItems").EnumerateArray().Select(i => i.GetString()!).ToList();
        Assert.Equal(10, sampleItems.Count);
        Assert.All(sampleItems, i => Assert.Contains(i, brands));
        Assert.Equal(10, recommender.GetProperty("sampleUsers").GetArrayLength());

        // What the model or version is not: the same 404s as predict.
        using var noModel = await client.GetAsync("/api/models/nope/schema");
        Assert.Equal(HttpStatusCode.NotFound, noModel.StatusCode);
        Assert.Equal("There is no champion of model 'nope' in your tenant.", (await noModel.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        using var noVersion = await client.GetAsync("/api/models/credit/schema?version=9");
        Assert.Equal(HttpStatusCode.NotFound, noVersion.StatusCode);
        Assert.Equal("Model 'credit' has no version 9 in your tenant.", (await noVersion.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
    }

    /// <summary>
    /// A fraud model's alert threshold was only in its report: predictions labelled at 0.5, and a caller had to dig the
    /// threshold out of the version's metrics. Now the schema gives it and each JSON prediction says whether it is an
    /// alert (probability at or above the threshold); other models have neither.
    /// </summary>
    [Fact]
    public async Task Predict_FraudModel_EachPredictionSaysWhetherItIsAnAlert()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "serve");
        using var api = new ApiHost(scope);
        using var admin = api.Client();
        var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "acme", "consumer");
        var path = ServingModels.CreditFraudGbdt();
        float threshold;
        using (var file = File.OpenRead(path))
        {
            threshold = float.Parse(Engine.Models.ModelPipeline.Load(file).Metadata["alertThreshold"], CultureInfo.InvariantCulture);
        }

        await ServingModels.InsertVersionAsync(api, tenant, "fraud", 1, "champion", path);
        await ServingModels.InsertVersionAsync(api, tenant, "fraud", 2, "candidate", await ServingModels.CreditGbdtAsync());
        using var client = api.Client(key);

        var schema = await client.GetFromJsonAsync<JsonElement>("/api/models/fraud/schema");
        Assert.Equal(threshold, schema.GetProperty("alertThreshold").GetSingle());
        var predictions = await PredictionsAsync(client, "fraud", new { rows = ServingModels.CreditRows(200) });
        Assert.Equal(200, predictions.Length);
        Assert.All(predictions, p => Assert.Equal(p.GetProperty("probability").GetSingle() >= threshold, p.GetProperty("alert").GetBoolean()));
        Assert.Contains(predictions, p => p.GetProperty("alert").GetBoolean());
        Assert.Contains(predictions, p => !p.GetProperty("alert").GetBoolean());

        // A model without a threshold: no alert field, and a null threshold in its schema.
        var plain = await PredictionsAsync(client, "fraud?version=2", new { rows = ServingModels.CreditRows(3) });
        Assert.All(plain, p => Assert.False(p.TryGetProperty("alert", out _)));
        Assert.Equal(JsonValueKind.Null, (await client.GetFromJsonAsync<JsonElement>("/api/models/fraud/schema?version=2")).GetProperty("alertThreshold").ValueKind);
    }

    /// <summary>
    /// CSV output labelled a fraud model's rows at 0.5 and said nothing of its alert threshold, which only the JSON
    /// <c>alert</c> field applied. Now <c>eml predict</c> and the API's CSV scoring add an <c>alert</c> column after
    /// <c>label,probability</c> (both kept as they were) for a model with a threshold; other models keep two columns.
    /// </summary>
    [Fact]
    public async Task PredictCsv_FraudModel_EmlPredictAndApiAddAnAlertColumn()
    {
        var path = ServingModels.CreditFraudGbdt();
        float threshold;
        using (var file = File.OpenRead(path))
        {
            threshold = float.Parse(Engine.Models.ModelPipeline.Load(file).Metadata["alertThreshold"], CultureInfo.InvariantCulture);
        }

        Assert.NotEqual(0.5f, threshold);
        var directory = Directory.CreateTempSubdirectory("eml-alert-").FullName;
        try
        {
            var output = Path.Combine(directory, "predictions.csv");
            var (code, stdout, stderr) = await Processes.RunAsync(Processes.CliDll,
                ["predict", "--model", path, "--input", TestPaths.Dataset("credit-german-statlog.csv"), "--output", output]);
            Assert.True(code == 0, $"eml predict failed ({code}): {stdout}\n{stderr}");
            var lines = File.ReadAllLines(output);
            Assert.Equal("label,probability,alert", lines[0]);
            Assert.Equal(1001, lines.Length);
            var alerts = 0;
            foreach (var line in lines.Skip(1))
            {
                var fields = line.Split(',');
                Assert.Equal(3, fields.Length);
                var p = float.Parse(fields[1], CultureInfo.InvariantCulture);
                Assert.Equal(p >= 0.5f ? "bad" : "good", fields[0]);
                Assert.Equal(p >= threshold ? "true" : "false", fields[2]);
                alerts += fields[2] == "true" ? 1 : 0;
            }

            Assert.InRange(alerts, 1, 999);

            // The API's CSV scoring writes the same lines; a model without a threshold keeps label,probability.
            await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "serve");
            using var api = new ApiHost(scope);
            using var admin = api.Client();
            var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "acme", "consumer");
            await ServingModels.InsertVersionAsync(api, tenant, "fraud", 1, "champion", path);
            await ServingModels.InsertVersionAsync(api, tenant, "fraud", 2, "candidate", await ServingModels.CreditGbdtAsync());
            using var client = api.Client(key);
            using var request = new StringContent(ServingModels.CreditSample(200), Encoding.UTF8, "text/csv");
            using var response = await client.PostAsync("/api/models/fraud/predict", request);
            var served = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, served);
            Assert.Equal(lines.Take(201), served.Split('\n', StringSplitOptions.RemoveEmptyEntries));

            using var plainRequest = new StringContent(ServingModels.CreditSample(3), Encoding.UTF8, "text/csv");
            using var plain = await client.PostAsync("/api/models/fraud/predict?version=2", plainRequest);
            Assert.StartsWith("label,probability\n", await plain.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<JsonElement[]> PredictionsAsync(HttpClient client, string pathAndQuery, object rows)
    {
        var separator = pathAndQuery.IndexOf('?', StringComparison.Ordinal);
        var path = separator < 0 ? pathAndQuery + "/predict" : pathAndQuery[..separator] + "/predict" + pathAndQuery[separator..];
        using var response = await client.PostAsJsonAsync("/api/models/" + path, rows);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("predictions").EnumerateArray().ToArray();
    }

    [Fact]
    public async Task Roles_ConsumerPredictsButCannotUploadOrAdminister_OtherTenantGets404()
    {
        var model = await ServingModels.CreditGbdtAsync();
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "serve");
        using var api = new ApiHost(scope);
        using var admin = api.Client();
        var (acme, _) = await ServingModels.CreateTenantAsync(admin, "acme");
        var (_, globexKey) = await ServingModels.CreateTenantAsync(admin, "globex");
        await ServingModels.InsertVersionAsync(api, acme, "credit", 1, "champion", model);
        using var keyResponse = await admin.PostAsJsonAsync($"/api/tenants/{acme}/keys", new { role = "consumer" });
        var consumerKey = (await keyResponse.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("apiKey").GetString();
        using var consumer = api.Client(consumerKey);
        using var globex = api.Client(globexKey);

        using var predicted = await consumer.PostAsJsonAsync("/api/models/credit/predict", new { rows = ServingModels.CreditRows(2) });
        Assert.Equal(HttpStatusCode.OK, predicted.StatusCode);

        var bytes = Encoding.UTF8.GetBytes(ServingModels.CreditSample(50));
        using var upload = await consumer.PostAsync("/api/datasets", Api.DatasetsApiTests.Form(bytes, "credit.csv"));
        Assert.Equal(HttpStatusCode.Forbidden, upload.StatusCode);
        using var tenant = await consumer.PostAsJsonAsync("/api/tenants", new { name = "evil" });
        Assert.Equal(HttpStatusCode.Forbidden, tenant.StatusCode);

        using var leak = await globex.PostAsJsonAsync("/api/models/credit/predict", new { rows = ServingModels.CreditRows(1) });
        Assert.Equal(HttpStatusCode.NotFound, leak.StatusCode);
        using var leakVersion = await globex.PostAsJsonAsync("/api/models/credit/predict?version=1", new { rows = ServingModels.CreditRows(1) });
        Assert.Equal(HttpStatusCode.NotFound, leakVersion.StatusCode);
        using var leakCsv = await globex.PostAsync("/api/models/credit/predict", new StringContent(ServingModels.CreditSample(1), Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.NotFound, leakCsv.StatusCode);

        using var anonymous = api.Client(apiKey: null);
        using var unauthorized = await anonymous.PostAsJsonAsync("/api/models/credit/predict", new { rows = ServingModels.CreditRows(1) });
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
    }

    [Fact]
    public async Task RateLimit_BeyondTheKeysBudget_Returns429WithRetryAfter()
    {
        var model = await ServingModels.CreditGbdtAsync();
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "serve");
        using var api = new ApiHost(scope, new() { ["Serving:RequestsPerSecondPerKey"] = "2" });
        using var admin = api.Client();
        var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "acme");
        await ServingModels.InsertVersionAsync(api, tenant, "credit", 1, "champion", model);
        using var client = api.Client(key);

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 20 && limited is null; i++)
        {
            var response = await client.PostAsJsonAsync("/api/models/credit/predict", new { rows = ServingModels.CreditRows(1) });
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
            else
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                response.Dispose();
            }
        }

        Assert.NotNull(limited);
        using (limited)
        {
            Assert.True(limited.Headers.RetryAfter?.Delta is { } delta && delta >= TimeSpan.FromSeconds(1), "Retry-After in seconds");
        }

        Assert.Contains(HttpStatusCode.OK, statuses);
    }

    /// <summary>
    /// A version whose load failed once (here its artifact did not read; in production a dropped database connection
    /// during the load) kept failing: the faulted load stayed cached under the version's key, so every later request got
    /// the same error until the process restarted. Now the failed load is forgotten and the next request loads again.
    /// </summary>
    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task Predict_AfterALoadThatFailed_LoadsTheVersionAgain(Backend backend)
    {
        var model = await ServingModels.CreditGbdtAsync();
        await using var scope = await BackendScope.CreateAsync(backend, "serve");
        using var api = new ApiHost(scope);
        using var admin = api.Client();
        var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "acme");
        await ServingModels.InsertVersionAsync(api, tenant, "credit", 1, "champion", model);
        using var client = api.Client(key);
        var database = api.Services.GetRequiredService<RegistryDatabase>();

        async Task SetArtifactAsync(byte[] artifact)
        {
            await using var connection = await database.OpenAsync();
            await connection.ExecuteAsync("UPDATE model_versions SET artifact = @artifact WHERE tenant_id = @tenant AND model_name = 'credit'", new { artifact, tenant });
        }

        var good = await File.ReadAllBytesAsync(model);
        await SetArtifactAsync(good[..(good.Length / 2)]);
        using (var failed = await client.PostAsJsonAsync("/api/models/credit/predict", new { rows = ServingModels.CreditRows(1) }))
        {
            Assert.Equal(HttpStatusCode.Conflict, failed.StatusCode);
        }

        await SetArtifactAsync(good);
        using var response = await client.PostAsJsonAsync("/api/models/credit/predict", new { rows = ServingModels.CreditRows(1) });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        Assert.Equal(1, JsonDocument.Parse(text).RootElement.GetProperty("version").GetInt32());
    }

    /// <summary>
    /// Every champion a node had served stayed loaded after a promotion or rollback replaced it, until the process ended:
    /// a model promoted every night (a schedule's refresh) grew the node's memory by one model a night. A former champion
    /// is now dropped once the champion moves on, unless a request names it by version, and loaded again if asked for.
    /// </summary>
    [Fact]
    public async Task Promote_FormerChampion_NoLongerHeldLoadedUnlessAskedForByVersion()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "serve");
        using var api = new ApiHost(scope);
        using var admin = api.Client();
        var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "acme");
        await ServingModels.InsertVersionAsync(api, tenant, "credit", 1, "champion", await ServingModels.CreditGbdtAsync());
        await ServingModels.InsertVersionAsync(api, tenant, "credit", 2, "candidate", await ServingModels.CreditLogisticAsync());
        await ServingModels.InsertVersionAsync(api, tenant, "credit", 3, "candidate", await ServingModels.CreditGbdtAsync());
        using var client = api.Client(key);
        var cache = api.Services.GetRequiredService<ServedModelCache>();
        var rows = new { rows = ServingModels.CreditRows(1) };

        async Task<int> ServedVersionAsync(string query = "")
        {
            using var response = await client.PostAsJsonAsync("/api/models/credit/predict" + query, rows);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, text);
            return JsonDocument.Parse(text).RootElement.GetProperty("version").GetInt32();
        }

        Assert.Equal(1, await ServedVersionAsync());
        Assert.Equal([1], cache.LoadedVersions(tenant, "credit"));
        foreach (var (promote, reason) in new[] { (2, "promote"), (3, "promote") })
        {
            using var promoted = await client.PostAsync($"/api/models/credit/versions/{promote}/{reason}", null);
            Assert.Equal(HttpStatusCode.OK, promoted.StatusCode);
            Assert.Equal(promote, await ServedVersionAsync());
            Assert.Equal([promote], cache.LoadedVersions(tenant, "credit"));
        }

        // Promoting the champion again changes nothing, and keeps it loaded: the same instance serves on.
        var before = await cache.GetAsync(tenant, "credit", null, CancellationToken.None);
        using var again = await client.PostAsync("/api/models/credit/versions/3/promote", null);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Same(before, await cache.GetAsync(tenant, "credit", null, CancellationToken.None));

        using var rollback = await client.PostAsync("/api/models/credit/rollback", null);
        Assert.Equal(HttpStatusCode.OK, rollback.StatusCode);
        Assert.Equal(2, await ServedVersionAsync());
        Assert.Equal([2], cache.LoadedVersions(tenant, "credit"));

        // A version asked for by number stays loaded beside the champion, and still answers after a promotion.
        Assert.Equal(1, await ServedVersionAsync("?version=1"));
        Assert.Equal([1, 2], cache.LoadedVersions(tenant, "credit"));
        using var back = await client.PostAsync("/api/models/credit/versions/1/promote", null);
        Assert.Equal(HttpStatusCode.OK, back.StatusCode);
        Assert.Equal(1, await ServedVersionAsync());
        Assert.Equal(2, await ServedVersionAsync("?version=2"));
        Assert.Equal([1, 2], cache.LoadedVersions(tenant, "credit"));
    }

    /// <summary>
    /// A champion lookup that read the registry between two promotions through this node cached the in-between
    /// champion after the second promotion had dropped the pointer, so this node served it for up to
    /// <see cref="ServedModelCache.ChampionTtl"/> although the README says a promotion shows at once on its node.
    /// </summary>
    [Fact]
    public async Task Promote_WhileAChampionLookupIsInFlight_NextRequestServesTheNewChampion()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "serve");
        using var api = new ApiHost(scope);
        using var admin = api.Client();
        var (tenant, _) = await ServingModels.CreateTenantAsync(admin, "acme");
        await ServingModels.InsertVersionAsync(api, tenant, "credit", 1, "champion", await ServingModels.CreditGbdtAsync());
        await ServingModels.InsertVersionAsync(api, tenant, "credit", 2, "candidate", await ServingModels.CreditLogisticAsync());
        await ServingModels.InsertVersionAsync(api, tenant, "credit", 3, "candidate", await ServingModels.CreditGbdtAsync());
        var database = api.Services.GetRequiredService<RegistryDatabase>();
        var models = api.Services.GetRequiredService<ModelStore>();
        var answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = false;
        var real = new ServedModelCache(database, TimeProvider.System).Lookup;

        // A clock that never moves: nothing here expires by time, so only the promotion can make the next request ask again.
        var cache = new ServedModelCache(database, new StoppedClock())
        {
            Lookup = async (t, n, v, ct) =>
            {
                var answer = await real(t, n, v, ct);
                if (held)
                {
                    held = false;
                    answered.SetResult();
                    await release.Task;
                }

                return answer;
            },
        };

        Assert.Equal(1, (await cache.GetAsync(tenant, "credit", null, CancellationToken.None))?.Version);
        Assert.True(await models.PromoteAsync(tenant, "credit", 2, "test", null));
        cache.InvalidateChampion(tenant, "credit", 2);

        // The registry has answered "version 2"; version 3 is promoted before the answer is cached.
        held = true;
        var inFlight = cache.GetAsync(tenant, "credit", null, CancellationToken.None);
        await answered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(await models.PromoteAsync(tenant, "credit", 3, "test", null));
        cache.InvalidateChampion(tenant, "credit", 3);
        release.SetResult();
        Assert.Equal(2, (await inFlight)?.Version);   // the request under way when version 3 was promoted

        Assert.Equal(3, (await cache.GetAsync(tenant, "credit", null, CancellationToken.None))?.Version);
        Assert.Equal([3], cache.LoadedVersions(tenant, "credit"));
    }

    private sealed class StoppedClock : TimeProvider
    {
        public override long GetTimestamp() => 0;
    }

    [Fact]
    public async Task HotSwap_UnderConcurrentLoad_NoRequestFailsAndTheNewChampionServes()
    {
        var v1 = await ServingModels.CreditGbdtAsync();
        var v2 = await ServingModels.CreditLogisticAsync();
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "serve");
        using var api = new ApiHost(scope, new() { ["Serving:RequestsPerSecondPerKey"] = "100000" });
        using var admin = api.Client();
        var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "acme");
        await ServingModels.InsertVersionAsync(api, tenant, "credit", 1, "champion", v1);
        await ServingModels.InsertVersionAsync(api, tenant, "credit", 2, "candidate", v2);
        var rows = new { rows = ServingModels.CreditRows(5) };

        var failures = new ConcurrentQueue<string>();
        var versions = new ConcurrentDictionary<int, int>();
        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            using var client = api.Client(key);
            while (!stop.IsCancellationRequested)
            {
                using var response = await client.PostAsJsonAsync("/api/models/credit/predict", rows);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    failures.Enqueue($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                    continue;
                }

                var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                versions.AddOrUpdate(body.GetProperty("version").GetInt32(), 1, (_, n) => n + 1);
            }
        })).ToArray();

        await Processes.PollAsync(() => Task.FromResult<object?>(versions.GetValueOrDefault(1) >= 20 ? true : null), TimeSpan.FromSeconds(30), "version 1 serving");
        await ServingModels.SwapChampionAsync(api, tenant, "credit", 2);
        await Processes.PollAsync(() => Task.FromResult<object?>(versions.GetValueOrDefault(2) >= 20 ? true : null), TimeSpan.FromSeconds(30), "version 2 serving");
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        Assert.Empty(failures);
        Assert.True(versions[1] >= 20 && versions[2] >= 20);

        // Once the swap is seen, nothing goes back to v1.
        using var after = api.Client(key);
        using var last = await after.PostAsJsonAsync("/api/models/credit/predict", rows);
        Assert.Equal(2, (await last.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task Recommender_RecommendationsAndSimilarItems_ServedFromTheChampion()
    {
        var model = await ServingModels.ScotchItemKnnAsync();
        var tabular = await ServingModels.CreditGbdtAsync();
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "serve");
        using var api = new ApiHost(scope);
        using var admin = api.Client();
        var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "acme");
        var (_, otherKey) = await ServingModels.CreateTenantAsync(admin, "globex");
        await ServingModels.InsertVersionAsync(api, tenant, "scotch", 1, "champion", model);
        await ServingModels.InsertVersionAsync(api, tenant, "credit", 1, "champion", tabular);
        using var client = api.Client(key);

        var body = await client.GetFromJsonAsync<JsonElement>("/api/models/scotch/recommendations/1?top=5");
        Assert.Equal("scotch", body.GetProperty("model").GetString());
        var items = body.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("item").GetString()).ToArray();
        Assert.Equal(5, items.Length);
        Assert.Equal(items.Length, items.Distinct().Count());
        Assert.DoesNotContain("Chivas.Regal", items); // already consumed by respondent 1

        var similar = await client.GetFromJsonAsync<JsonElement>("/api/models/scotch/similar/Chivas.Regal?top=3");
        var neighbours = similar.GetProperty("items").EnumerateArray().ToArray();
        Assert.Equal(3, neighbours.Length);
        Assert.DoesNotContain(neighbours, n => n.GetProperty("item").GetString() == "Chivas.Regal");
        Assert.True(neighbours[0].GetProperty("score").GetDouble() >= neighbours[2].GetProperty("score").GetDouble());

        // One recommendation request and one similar-items request served: each counts once for the model.
        Assert.Contains("eml_predictions_total{model=\"scotch\",tenant=\"acme\"} 2\n", await admin.GetStringAsync("/metrics"), StringComparison.Ordinal);

        using var unknownItem = await client.GetAsync("/api/models/scotch/similar/No.Such.Whisky");
        Assert.Equal(HttpStatusCode.NotFound, unknownItem.StatusCode);
        using var wrongKind = await client.GetAsync("/api/models/credit/recommendations/1");
        Assert.Equal(HttpStatusCode.BadRequest, wrongKind.StatusCode);
        using var predictOnRecommender = await client.PostAsJsonAsync("/api/models/scotch/predict", new { rows = ServingModels.CreditRows(1) });
        Assert.Equal(HttpStatusCode.BadRequest, predictOnRecommender.StatusCode);
        using var other = api.Client(otherKey);
        using var leak = await other.GetAsync("/api/models/scotch/recommendations/1");
        Assert.Equal(HttpStatusCode.NotFound, leak.StatusCode);
    }

    /// <summary>
    /// An implicit-feedback model learns from the ratings at or above the relevance threshold only, but its item map
    /// holds every rated item: a movie nobody rated 4 or more is in the map with nothing learnt about it. /similar
    /// answered it 200 with no items, as if it had no neighbours; like an id the model never saw, it is a 404.
    /// </summary>
    [Fact]
    public async Task Similar_ItemOnlyRatedBelowTheRelevanceThreshold_Returns404LikeAnUnknownItem()
    {
        var data = Engine.Recommendation.InteractionSet.ReadCsv(
            [TestPaths.Dataset("recsys-movielens-small.csv")], new Engine.Recommendation.InteractionColumns("userId", "movieId", "rating"))[0];
        var model = Engine.Recommendation.ImplicitFeedback.Fit(new Engine.Trainers.Neighbors.PopularityTrainer(), data, 4f);
        var unlearnt = Enumerable.Range(0, model.Items.Count).First(i => !model.IsKnownItem(i));
        var learnt = Enumerable.Range(0, model.Items.Count).First(model.IsKnownItem);
        var path = Path.Combine(Path.GetTempPath(), $"eml-serving-popularity-{Guid.NewGuid():N}.eml");
        try
        {
            await using (var file = File.Create(path))
            {
                model.Save(file);
            }

            await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "serve");
            using var api = new ApiHost(scope);
            using var admin = api.Client();
            var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "acme");
            await ServingModels.InsertVersionAsync(api, tenant, "movies", 1, "champion", path);
            using var client = api.Client(key);

            using var similar = await client.GetAsync($"/api/models/movies/similar/{model.Items[learnt]}?top=3");
            Assert.Equal(3, (await similar.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").GetArrayLength());
            using var none = await client.GetAsync($"/api/models/movies/similar/{model.Items[unlearnt]}?top=3");
            await ServingInputTests.AssertProblemAsync(none, "Item not found",
                $"Item '{model.Items[unlearnt]}' was not in the training data of 'movies'.", HttpStatusCode.NotFound);
            using var never = await client.GetAsync("/api/models/movies/similar/no-such-movie");
            await ServingInputTests.AssertProblemAsync(never, "Item not found", "Item 'no-such-movie' was not in the training data of 'movies'.", HttpStatusCode.NotFound);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// An id with a '/' is sent escaped (%2F), which Kestrel leaves escaped in the route: it must still be found. An id
    /// holding the three characters <c>%2F</c> (sent as <c>%252F</c>) was unreachable: every %2F left in the route value
    /// was read as '/', so <c>50%2Foff</c> was looked up as <c>50/off</c>. Ids are now decoded from the request line.
    /// </summary>
    [Fact]
    public async Task Recommender_IdsWithASlash_FoundWhenEscaped()
    {
        var csv = Path.Combine(Path.GetTempPath(), $"eml-slash-{Guid.NewGuid():N}.csv");
        var model = Path.ChangeExtension(csv, ".eml");
        await File.WriteAllTextAsync(csv, "user,item\nu/1,AB/12\nu/1,CD/34\nu/2,AB/12\nu/2,EF/56\nu/3,CD/34\nu/3,EF/56\nu/3,GH/78\n"
            + "u%2F4,50%2Foff\nu%2F4,AB/12\nu/2,50%2Foff\n");
        try
        {
            var data = Engine.Recommendation.InteractionSet.ReadCsv([csv], new Engine.Recommendation.InteractionColumns("user", "item"))[0];
            await using (var file = File.Create(model))
            {
                new Engine.Trainers.Neighbors.ItemKnnTrainer().Fit(data).Save(file);
            }

            await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "slash");
            using var api = new ApiHost(scope);

            // Kestrel, not the in-process test server: how a path's escapes reach the route is Kestrel's.
            api.UseKestrel(0);
            api.StartServer();
            using var admin = api.Client();
            var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "shop");
            await ServingModels.InsertVersionAsync(api, tenant, "skus", 1, "champion", model);
            using var client = api.Client(key);

            var top = await client.GetFromJsonAsync<JsonElement>("/api/models/skus/recommendations/u%2F1?top=5");
            Assert.Equal("u/1", top.GetProperty("user").GetString());
            Assert.False(top.GetProperty("fallback").GetBoolean());
            var items = top.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("item").GetString()).ToArray();
            Assert.NotEmpty(items);
            Assert.DoesNotContain("AB/12", items); // u/1 has it
            Assert.DoesNotContain("CD/34", items);

            using var similar = await client.GetAsync("/api/models/skus/similar/AB%2F12?top=2");
            var body = await similar.Content.ReadAsStringAsync();
            Assert.True(similar.StatusCode == HttpStatusCode.OK, body);
            Assert.Equal("AB/12", JsonDocument.Parse(body).RootElement.GetProperty("item").GetString());

            // The literal characters %2F, escaped as encodeURIComponent (and the dashboard) sends them.
            using var literal = await client.GetAsync($"/api/models/skus/similar/{Uri.EscapeDataString("50%2Foff")}?top=2");
            body = await literal.Content.ReadAsStringAsync();
            Assert.True(literal.StatusCode == HttpStatusCode.OK, body);
            Assert.Equal("50%2Foff", JsonDocument.Parse(body).RootElement.GetProperty("item").GetString());
            var known = await client.GetFromJsonAsync<JsonElement>($"/api/models/skus/recommendations/{Uri.EscapeDataString("u%2F4")}?top=5");
            Assert.Equal("u%2F4", known.GetProperty("user").GetString());
            Assert.False(known.GetProperty("fallback").GetBoolean());
            Assert.DoesNotContain("50%2Foff", known.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("item").GetString()));
        }
        finally
        {
            File.Delete(csv);
            File.Delete(model);
        }
    }
}
