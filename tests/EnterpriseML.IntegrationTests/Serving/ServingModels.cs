using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using EnterpriseML.IntegrationTests.Infrastructure;
using EnterpriseML.Registry;
using Microsoft.Extensions.DependencyInjection;

namespace EnterpriseML.IntegrationTests.Serving;

/// <summary>
/// Model versions for serving tests: trained once per test run with the real <c>eml train</c>, then written straight
/// into <c>models</c> / <c>model_versions</c> (the registry routes belong to the jobs issue).
/// </summary>
internal static class ServingModels
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static readonly Dictionary<string, string> Trained = new(StringComparer.Ordinal);

    public const string CreditLabel = "class";

    /// <summary>A small GBDT on credit-german (20 trees), saved as an .eml file; path cached per process.</summary>
    public static Task<string> CreditGbdtAsync() => TrainAsync("gbdt", "NumberOfTrees=20");

    /// <summary>Logistic regression on credit-german.</summary>
    public static Task<string> CreditLogisticAsync() => TrainAsync("logistic-regression");

    /// <summary>
    /// A Caruana-style ensemble of <see cref="CreditLogisticAsync"/> (weight 2) and <see cref="CreditGbdtAsync"/>
    /// (weight 1), saved the way the sweep saves an ensemble winner.
    /// </summary>
    public static async Task<string> CreditEnsembleAsync()
    {
        var lr = Load(await CreditLogisticAsync());
        var gbdt = Load(await CreditGbdtAsync());
        return Save(Engine.AutoML.EnsemblePredictor.Combine([lr, gbdt], [2, 1], ["logistic-regression", "gbdt"]), "ensemble");
    }

    /// <summary>
    /// A model that cannot explain itself: a lexicon-augmented linear model (the sentiment scenario's lexicon-lr)
    /// on the logistic model's credit features.
    /// </summary>
    public static async Task<string> CreditLexiconAsync()
    {
        var lr = Load(await CreditLogisticAsync());
        var width = lr.Features.DenseWidth;
        var lexicon = new Engine.Scenarios.Sentiment.TextLinearPredictor(width, new float[width], 0.2f, false, [], [0.1f, 0.1f, 0.1f]);
        return Save(new Engine.Models.ModelPipeline(lr.Schema, lr.Features, lexicon, new Dictionary<string, string> { ["trainer"] = "lexicon-lr" }), "lexicon");
    }

    /// <summary>The credit scenario's specialised scorecard (WoE binning + logistic regression, in points) on all of credit-german.</summary>
    public static string CreditScorecard() =>
        FitOnCredit(Engine.Scenarios.Credit.CreditScenario.SpecialisedCandidates(Engine.AutoML.ScenarioColumns.None), "scorecard");

    /// <summary>The fraud scenario's cost-sensitive GBDT on all of credit-german ("bad" as the rare class): a model with an alert threshold.</summary>
    public static string CreditFraudGbdt() =>
        FitOnCredit(Engine.Scenarios.Fraud.FraudScenario.SpecialisedCandidates(Engine.AutoML.ScenarioColumns.None), "cost-sensitive-gbdt");

    /// <summary>Fits the named candidate at its default point (seed 7) on all of credit-german and saves its model.</summary>
    private static string FitOnCredit(IReadOnlyList<Engine.AutoML.ICandidate> candidates, string name)
    {
        var table = Engine.Data.CsvTable.Read(TestPaths.Dataset("credit-german-statlog.csv"));
        var data = Engine.AutoML.LabelEncoding.Encode(table, CreditLabel, Engine.Trainers.TaskKind.Binary, "bad");
        var candidate = candidates.Single(c => c.Name == name);
        var fitted = candidate.Fit(new Engine.AutoML.CandidateFitContext(data, 7, 1, Engine.AutoML.ScenarioColumns.None),
            candidate.SearchSpace.ToParameters(candidate.SearchSpace.DefaultPoint()));
        return Save(((Engine.AutoML.IPipelineCandidate)fitted).Model, name);
    }

    private static Engine.Models.ModelPipeline Load(string path)
    {
        using var file = File.OpenRead(path);
        return Engine.Models.ModelPipeline.Load(file);
    }

    private static string Save(Engine.Models.ModelPipeline model, string name)
    {
        var path = Path.Combine(Path.GetTempPath(), $"eml-serving-{name}-{Guid.NewGuid():N}.eml");
        using var file = File.Create(path);
        model.Save(file);
        return path;
    }

    /// <summary>The column <see cref="CreditWithDateAsync"/> adds to credit-german.</summary>
    public const string DateColumn = "applied_on";

    /// <summary>
    /// Credit-german with a date-time column (<see cref="DateColumn"/>: 2019-01-01 plus the row number in days) in front,
    /// as CSV text with its header; <paramref name="rows"/> data lines.
    /// </summary>
    public static string CreditWithDateSample(int rows)
    {
        var lines = File.ReadLines(TestPaths.Dataset("credit-german-statlog.csv")).Take(rows + 1).ToArray();
        var start = new DateTime(2019, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        return string.Join("\n", lines.Select((l, i) => (i == 0 ? DateColumn : start.AddDays(i - 1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)) + "," + l)) + "\n";
    }

    /// <summary>A small GBDT (20 trees) on all of <see cref="CreditWithDateSample"/>, trained with the real <c>eml train</c>.</summary>
    public static async Task<string> CreditWithDateAsync()
    {
        var input = Path.Combine(Path.GetTempPath(), $"eml-serving-dated-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(input, CreditWithDateSample(1000));
        try
        {
            var path = Path.ChangeExtension(input, ".eml");
            var (code, stdout, stderr) = await Processes.RunAsync(Processes.CliDll,
                ["train", "--train", input, "--label", CreditLabel, "--trainer", "gbdt", "--set", "NumberOfTrees=20", "--seed", "7", "--threads", "1", "--save", path, "--json"]);
            Assert.True(code == 0, $"eml train failed ({code}): {stdout}\n{stderr}");
            return path;
        }
        finally
        {
            File.Delete(input);
        }
    }

    /// <summary>Ridge regression of price on all of tabular-diamonds, trained with the real <c>eml train</c>; path cached per process.</summary>
    public static async Task<string> DiamondsRidgeAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (Trained.TryGetValue("diamonds-ridge", out var existing))
            {
                return existing;
            }

            var path = Path.Combine(Path.GetTempPath(), $"eml-serving-diamonds-ridge-{Guid.NewGuid():N}.eml");
            var (code, stdout, stderr) = await Processes.RunAsync(Processes.CliDll,
                ["train", "--train", TestPaths.Dataset("tabular-diamonds.csv"), "--label", "price", "--trainer", "ridge", "--seed", "7", "--threads", "1", "--save", path, "--json"]);
            Assert.True(code == 0, $"eml train failed ({code}): {stdout}\n{stderr}");
            Trained["diamonds-ridge"] = path;
            return path;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>The first <paramref name="rows"/> rows of tabular-diamonds as JSON objects (numbers as numbers, quotes dropped, price left out).</summary>
    public static List<Dictionary<string, object>> DiamondsRows(int rows)
    {
        var lines = File.ReadLines(TestPaths.Dataset("tabular-diamonds.csv")).Take(rows + 1).ToArray();
        var header = lines[0].Split(',').Select(h => h.Trim('"')).ToArray();
        var result = new List<Dictionary<string, object>>();
        foreach (var line in lines.Skip(1))
        {
            var cells = line.Split(',');
            var row = new Dictionary<string, object>(StringComparer.Ordinal);
            for (var j = 0; j < header.Length; j++)
            {
                if (header[j] != "price")
                {
                    row[header[j]] = double.TryParse(cells[j], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d) ? d : cells[j].Trim('"');
                }
            }

            result.Add(row);
        }

        return result;
    }

    /// <summary>An item-kNN recommender on the scotch implicit-feedback data.</summary>
    public static Task<string> ScotchItemKnnAsync() => TrainAsync("item-knn", "--task", "recommendation");

    private static async Task<string> TrainAsync(string trainer, params string[] settings)
    {
        await Gate.WaitAsync();
        try
        {
            var key = trainer + string.Join(";", settings);
            if (Trained.TryGetValue(key, out var existing))
            {
                return existing;
            }

            var path = Path.Combine(Path.GetTempPath(), $"eml-serving-{trainer}-{Guid.NewGuid():N}.eml");
            var recommender = settings.Contains("recommendation");
            var args = recommender
                ? new List<string> { "train", "--train", TestPaths.Dataset("recsys-scotch-implicit.csv"), "--task", "recommendation", "--user", "respondent", "--item", "brand", "--trainer", trainer, "--seed", "7", "--threads", "1", "--save", path, "--json" }
                : new List<string> { "train", "--train", TestPaths.Dataset("credit-german-statlog.csv"), "--label", CreditLabel, "--trainer", trainer, "--seed", "7", "--threads", "1", "--save", path, "--json" };
            foreach (var s in settings.Where(s => s.Contains('=', StringComparison.Ordinal)))
            {
                args.Add("--set");
                args.Add(s);
            }

            var (code, stdout, stderr) = await Processes.RunAsync(Processes.CliDll, args);
            Assert.True(code == 0, $"eml train failed ({code}): {stdout}\n{stderr}");
            Trained[key] = path;
            return path;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Creates a tenant through the API; returns (tenant id, data-scientist key).</summary>
    public static async Task<(string Id, string Key)> CreateTenantAsync(HttpClient admin, string name, string? role = null)
    {
        using var response = await admin.PostAsJsonAsync("/api/tenants", new { name, role });
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("id").GetString()!, body.GetProperty("apiKey").GetString()!);
    }

    /// <summary>Inserts a model version (and the model row when missing).</summary>
    public static async Task InsertVersionAsync(ApiHost api, string tenantId, string name, int version, string stage, string modelPath)
    {
        var database = api.Services.GetRequiredService<RegistryDatabase>();
        var artifact = await File.ReadAllBytesAsync(modelPath);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await using var connection = await database.OpenAsync();
        var exists = await connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM models WHERE tenant_id = @tenantId AND name = @name", new { tenantId, name });
        if (exists == 0)
        {
            await connection.ExecuteAsync(
                "INSERT INTO models (tenant_id, name, task, created_at) VALUES (@tenantId, @name, 'binary', @now)", new { tenantId, name, now });
        }

        await connection.ExecuteAsync(
            """
            INSERT INTO model_versions (tenant_id, model_name, version, stage, artifact, artifact_sha256, metrics, parameters, leaderboard, lineage, created_at)
            VALUES (@tenantId, @name, @version, @stage, @artifact, @sha, '{}', '{}', NULL, '{}', @now)
            """,
            new { tenantId, name, version, stage, artifact, sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(artifact)), now });
    }

    /// <summary>Atomically makes <paramref name="version"/> the champion (the previous one is archived).</summary>
    public static async Task SwapChampionAsync(ApiHost api, string tenantId, string name, int version)
    {
        var database = api.Services.GetRequiredService<RegistryDatabase>();
        await using var connection = await database.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync(
            "UPDATE model_versions SET stage = 'archived' WHERE tenant_id = @tenantId AND model_name = @name AND stage = 'champion'",
            new { tenantId, name }, transaction);
        await connection.ExecuteAsync(
            "UPDATE model_versions SET stage = 'champion' WHERE tenant_id = @tenantId AND model_name = @name AND version = @version",
            new { tenantId, name, version }, transaction);
        await transaction.CommitAsync();
    }

    /// <summary>The first <paramref name="rows"/> data lines of credit-german, as CSV text with its header.</summary>
    public static string CreditSample(int rows)
    {
        var lines = File.ReadLines(TestPaths.Dataset("credit-german-statlog.csv")).Take(rows + 1);
        return string.Join("\n", lines) + "\n";
    }

    /// <summary>The same rows as JSON objects (numbers as numbers, everything else as strings, label dropped).</summary>
    public static List<Dictionary<string, object>> CreditRows(int rows)
    {
        var lines = CreditSample(rows).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split(',');
        var result = new List<Dictionary<string, object>>();
        foreach (var line in lines.Skip(1))
        {
            var cells = line.Split(',');
            var row = new Dictionary<string, object>(StringComparer.Ordinal);
            for (var j = 0; j < header.Length; j++)
            {
                if (header[j] == CreditLabel)
                {
                    continue;
                }

                row[header[j]] = double.TryParse(cells[j], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d) ? d : cells[j];
            }

            result.Add(row);
        }

        return result;
    }
}
