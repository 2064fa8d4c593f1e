using System.Net;
using System.Text;
using System.Text.Json;
using EnterpriseML.IntegrationTests.Infrastructure;
using EnterpriseML.IntegrationTests.Jobs;
using EnterpriseML.IntegrationTests.Serving;

namespace EnterpriseML.IntegrationTests.Api;

/// <summary>Requests to submit an experiment that bind but cannot be right: refused with what was wrong, nothing stored.</summary>
public sealed class ExperimentRequestTests
{
    [Fact]
    public async Task Submit_IgnoreColumnsHoldsNull_Returns400NamingTheItemAndStoresNothing()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "expreq");
        using var api = new ApiHost(scope);
        using var client = api.Client();
        var datasetId = await ExperimentFlowTests.UploadAsync(client, "credit-german-statlog.csv");

        var body = $$"""{"datasetId":"{{datasetId}}","label":"class","positiveClass":"bad","scenario":"auto","budgetSeconds":30,"modelName":"m","ignoreColumns":["age",null]}""";
        using var response = await client.PostAsync("/api/experiments", new StringContent(body, Encoding.UTF8, "application/json"));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        using var problem = JsonDocument.Parse(text);
        Assert.Equal("ignoreColumns", problem.RootElement.GetProperty("field").GetString());
        Assert.Equal("ignoreColumns[1]: expected a column name, found null.", problem.RootElement.GetProperty("detail").GetString());
        using var list = JsonDocument.Parse(await client.GetStringAsync("/api/experiments"));
        Assert.Equal(0, list.RootElement.GetProperty("total").GetInt64());
    }

    /// <summary>
    /// A field given twice (the same name, or names that differ only in case, which bind to the same field) was
    /// accepted and the last value won: a client that set budgetSeconds twice got whichever came last, silently.
    /// </summary>
    [Theory]
    [InlineData("\"budgetSeconds\":30,\"budgetSeconds\":3000", "budgetSeconds", "budgetSeconds")]
    [InlineData("\"modelName\":\"m\",\"ModelName\":\"other\"", "ModelName", "modelName")]
    public async Task Submit_FieldGivenTwice_Returns400NamingItAndStoresNothing(string twice, string field, string reported)
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "expreq");
        using var api = new ApiHost(scope);
        using var client = api.Client();
        var datasetId = await ExperimentFlowTests.UploadAsync(client, "credit-german-statlog.csv");
        var body = $$"""{"datasetId":"{{datasetId}}","label":"class","positiveClass":"bad","scenario":"auto",{{(field == "budgetSeconds" ? "" : "\"budgetSeconds\":30,")}}{{(field == "ModelName" ? "" : "\"modelName\":\"m\",")}}{{twice}}}""";

        using var response = await client.PostAsync("/api/experiments", new StringContent(body, Encoding.UTF8, "application/json"));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        using var problem = JsonDocument.Parse(text);
        Assert.Equal($"{reported}: given twice; send each field once.", problem.RootElement.GetProperty("detail").GetString());
        using var list = JsonDocument.Parse(await client.GetStringAsync("/api/experiments"));
        Assert.Equal(0, list.RootElement.GetProperty("total").GetInt64());
    }

    /// <summary>
    /// A number sent as a JSON string ("budgetSeconds":"30") was read as the number (ASP.NET's web JSON defaults read
    /// numbers from strings); the documented shapes use JSON numbers, so it is a 400 naming the field.
    /// </summary>
    [Theory]
    [InlineData("budgetSeconds", "\"30\"", "budgetSeconds: expected a number.")]
    [InlineData("seed", "\"7\"", "seed: expected an integer.")]
    [InlineData("maxTrials", "\"5\"", "maxTrials: expected an integer.")]
    [InlineData("holdoutFraction", "\"0.2\"", "holdoutFraction: expected a number.")]
    public async Task Submit_NumberInQuotes_Returns400NamingTheFieldAndStoresNothing(string field, string value, string detail)
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "expreq");
        using var api = new ApiHost(scope);
        using var client = api.Client();
        var datasetId = await ExperimentFlowTests.UploadAsync(client, "credit-german-statlog.csv");
        var body = $$"""{"datasetId":"{{datasetId}}","label":"class","positiveClass":"bad","scenario":"auto","modelName":"m",{{(field == "budgetSeconds" ? "" : "\"budgetSeconds\":30,")}}"{{field}}":{{value}}}""";

        using var response = await client.PostAsync("/api/experiments", new StringContent(body, Encoding.UTF8, "application/json"));

        await ServingInputTests.AssertProblemAsync(response, "Invalid request body", detail);
        using var list = JsonDocument.Parse(await client.GetStringAsync("/api/experiments"));
        Assert.Equal(0, list.RootElement.GetProperty("total").GetInt64());
    }

    /// <summary>
    /// The fraud alert threshold's rule (targetRecall or alertBudget, as <c>eml automl --target-recall</c> and
    /// <c>--alert-budget</c>): worded as the CLI words it, with the JSON field's name. Before, both fields were unknown.
    /// </summary>
    [Theory]
    [InlineData("credit", "\"targetRecall\":0.9", "targetRecall", "targetRecall applies to the fraud scenario (it chooses the alert threshold), not credit.")]
    [InlineData("recommendation", "\"alertBudget\":20", "alertBudget", "alertBudget applies to the fraud scenario (it chooses the alert threshold), not recommendation.")]
    [InlineData("fraud", "\"targetRecall\":1.5", "targetRecall", "targetRecall must be in (0, 1], the share of the positives the alerts must catch; got 1.5.")]
    [InlineData("fraud", "\"alertBudget\":0", "alertBudget", "alertBudget must be in (0, 1000] alerts per 1,000 rows; got 0.")]
    [InlineData("fraud", "\"targetRecall\":0.9,\"alertBudget\":20", "targetRecall",
        "targetRecall and alertBudget choose the fraud alert threshold two ways (a share of the positives to catch, a number of alerts to raise); give one.")]
    public async Task Submit_AlertRuleUnusable_Returns400NamingTheFieldAndStoresNothing(string scenario, string fields, string field, string detail)
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "expreq");
        using var api = new ApiHost(scope);
        using var client = api.Client();
        var datasetId = await ExperimentFlowTests.UploadAsync(client, "credit-german-statlog.csv");
        var body = $$"""{"datasetId":"{{datasetId}}","label":"class","positiveClass":"bad","scenario":"{{scenario}}","budgetSeconds":30,"modelName":"m",{{fields}}}""";

        using var response = await client.PostAsync("/api/experiments", new StringContent(body, Encoding.UTF8, "application/json"));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        using var problem = JsonDocument.Parse(text);
        Assert.Equal(field, problem.RootElement.GetProperty("field").GetString());
        Assert.Equal(detail, problem.RootElement.GetProperty("detail").GetString());
        using var list = JsonDocument.Parse(await client.GetStringAsync("/api/experiments"));
        Assert.Equal(0, list.RootElement.GetProperty("total").GetInt64());
    }

    /// <summary>A schedule's experiment takes the same rule: refused with its field's path, kept when usable.</summary>
    [Fact]
    public async Task Schedule_AlertRule_RefusedOnCreditKeptOnFraud()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "expreq");
        using var api = new ApiHost(scope);
        using var client = api.Client();
        var datasetId = await ExperimentFlowTests.UploadAsync(client, "credit-german-statlog.csv");
        string Body(string name, string scenario) =>
            $$$"""{"name":"{{{name}}}","cron":"0 0 2 * * ?","experiment":{"datasetId":"{{{datasetId}}}","label":"class","positiveClass":"bad","scenario":"{{{scenario}}}","modelName":"m","budgetSeconds":30,"alertBudget":25}}""";

        using (var refused = await client.PostAsync("/api/schedules", new StringContent(Body("credit-weekly", "credit"), Encoding.UTF8, "application/json")))
        {
            var text = await refused.Content.ReadAsStringAsync();
            Assert.True(refused.StatusCode == HttpStatusCode.BadRequest, text);
            using var problem = JsonDocument.Parse(text);
            Assert.Equal("experiment.alertBudget", problem.RootElement.GetProperty("field").GetString());
            Assert.Equal("alertBudget applies to the fraud scenario (it chooses the alert threshold), not credit.", problem.RootElement.GetProperty("detail").GetString());
        }

        using (var created = await client.PostAsync("/api/schedules", new StringContent(Body("fraud-weekly", "fraud"), Encoding.UTF8, "application/json")))
        {
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        }

        using var schedule = JsonDocument.Parse(await client.GetStringAsync("/api/schedules/fraud-weekly"));
        Assert.Equal(25, schedule.RootElement.GetProperty("experiment").GetProperty("alertBudget").GetDouble());
        using var list = JsonDocument.Parse(await client.GetStringAsync("/api/schedules"));
        Assert.Equal(1, list.RootElement.GetArrayLength());
    }

    /// <summary>
    /// A schedule's experiment and promotion objects are read apart from the request's binding: a quoted number there
    /// was read as the number too (experiment) or refused without naming the field (promotion).
    /// </summary>
    [Theory]
    [InlineData("\"budgetSeconds\":\"30\"", "", "experiment.budgetSeconds", "Expected a number, found the string \"30\"; send numbers without quotes.")]
    [InlineData("\"budgetSeconds\":30,\"seed\":\"7\"", "", "experiment.seed", "Expected an integer, found the string \"7\"; send numbers without quotes.")]
    [InlineData("\"budgetSeconds\":30", ",\"promotion\":{\"minimumImprovement\":\"0.01\"}", "promotion.minimumImprovement", "Expected a number, found the string \"0.01\"; send numbers without quotes.")]
    public async Task Schedule_NumberInQuotes_Returns400NamingTheFieldAndStoresNothing(string budget, string promotion, string field, string detail)
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "expreq");
        using var api = new ApiHost(scope);
        using var client = api.Client();
        var datasetId = await ExperimentFlowTests.UploadAsync(client, "credit-german-statlog.csv");
        var body = $$"""{"name":"weekly","cron":"0 0 2 * * ?","experiment":{"datasetId":"{{datasetId}}","label":"class","positiveClass":"bad","scenario":"credit","modelName":"m",{{budget}}}{{promotion}}}""";

        using var response = await client.PostAsync("/api/schedules", new StringContent(body, Encoding.UTF8, "application/json"));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        using var problem = JsonDocument.Parse(text);
        Assert.Equal(field, problem.RootElement.GetProperty("field").GetString());
        Assert.Equal(detail, problem.RootElement.GetProperty("detail").GetString());
        using var list = JsonDocument.Parse(await client.GetStringAsync("/api/schedules"));
        Assert.Equal(0, list.RootElement.GetArrayLength());
    }

    [Theory]
    [InlineData("text/plain", "Request body: Content-Type 'text/plain; charset=utf-8'; expected application/json.")]
    [InlineData("application/xml", "Request body: Content-Type 'application/xml; charset=utf-8'; expected application/json.")]
    public async Task Submit_BodyNotJson_Returns415SayingWhatToSend(string mediaType, string detail)
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "expreq");
        using var api = new ApiHost(scope);
        using var client = api.Client();

        using var response = await client.PostAsync("/api/experiments", new StringContent("{}", Encoding.UTF8, mediaType));

        await ServingInputTests.AssertProblemAsync(response, "Unsupported Media Type", detail, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task List_UnknownStatus_Returns400QuotingTheValue()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "expreq");
        using var api = new ApiHost(scope);
        using var client = api.Client();

        using var response = await client.GetAsync("/api/experiments?status=Running");

        await ServingInputTests.AssertProblemAsync(response, "Invalid field 'status'",
            "Query parameter 'status': 'Running' is not a status; use one of queued, running, succeeded, failed, cancelled.");
    }
}
