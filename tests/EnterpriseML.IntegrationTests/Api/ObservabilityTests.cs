using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EnterpriseML.IntegrationTests.Infrastructure;
using EnterpriseML.IntegrationTests.Jobs;
using EnterpriseML.IntegrationTests.Serving;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace EnterpriseML.IntegrationTests.Api;

/// <summary>Structured logs carry request and experiment ids; /metrics exposes what operators scrape.</summary>
public sealed class ObservabilityTests
{
    [Fact]
    public async Task LogsAndMetrics_ExperimentThenPredict_CarryIdsAndCountEverything()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "obs");
        var logs = new CapturingLoggerProvider();
        using var host = new ApiHost(scope);
        using var api = host.WithWebHostBuilder(b => b.ConfigureLogging(l => l.AddProvider(logs)));
        using var client = api.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", TestKeys.Admin);

        var datasetId = await ExperimentFlowTests.UploadAsync(client, "credit-german-statlog.csv");
        var experimentId = await ExperimentFlowTests.SubmitAsync(client, datasetId, 60, seed: 3, modelName: "risk", maxTrials: 4);
        using (var done = await ExperimentFlowTests.WaitAsync(client, experimentId))
        {
            Assert.True(done.RootElement.GetProperty("status").GetString() == "succeeded", done.RootElement.ToString());
        }

        using (var predict = await client.PostAsJsonAsync("/api/models/risk/predict", new { rows = ServingModels.CreditRows(3) }))
        {
            Assert.True(predict.StatusCode == HttpStatusCode.OK, await predict.Content.ReadAsStringAsync() + string.Join("\n", logs.Entries.Where(e => e.Level >= LogLevel.Error).Select(e => e.ToString())));
        }

        // The upload's log line is inside ASP.NET's request scope (RequestId, RequestPath) and names the dataset.
        var stored = Assert.Single(logs.Entries, e => e.Category == "EnterpriseML.Api.Datasets");
        Assert.Equal(datasetId, stored.Properties["DatasetId"]);
        Assert.False(string.IsNullOrEmpty(stored.Scope("RequestId")), stored.ToString());
        Assert.Equal("/api/datasets", stored.Scope("RequestPath"));
        // ...and inside the caller's scope: tenant, key id and role, never the key itself.
        Assert.False(string.IsNullOrEmpty(stored.Scope("TenantId")), stored.ToString());
        Assert.False(string.IsNullOrEmpty(stored.Scope("KeyId")), stored.ToString());
        Assert.Equal("admin", stored.Scope("Role"));
        Assert.DoesNotContain(logs.Entries, e => e.ToString().Contains(TestKeys.Admin, StringComparison.Ordinal) || e.Scopes.Values.Any(v => v?.Contains(TestKeys.Admin, StringComparison.Ordinal) == true));

        var queued = Assert.Single(logs.Entries, e => e.Category == "EnterpriseML.Api.Experiments");
        Assert.Equal(experimentId, queued.Properties["ExperimentId"]);
        Assert.False(string.IsNullOrEmpty(queued.Scope("RequestId")));

        // Everything the sweep job logs is in the experiment's scope, on the node that ran it.
        var sweep = logs.Entries.Where(e => e.Category == typeof(EnterpriseML.Jobs.SweepJob).FullName).ToArray();
        Assert.Contains(sweep, e => e.Message.Contains("succeeded", StringComparison.Ordinal));
        Assert.All(sweep, e =>
        {
            Assert.Equal(experimentId, e.Scope("ExperimentId"));
            Assert.Equal("api-test", e.Scope("Node"));
        });

        var metrics = await client.GetStringAsync("/metrics");
        Assert.Contains("# TYPE eml_http_requests_total counter", metrics, StringComparison.Ordinal);
        Assert.Matches("eml_http_requests_total\\{route=\"[^\"]*predict[^\"]*\",method=\"POST\",status=\"200\"\\} 1\\b", metrics);
        Assert.Matches("eml_http_request_duration_seconds_bucket\\{route=\"[^\"]*predict[^\"]*\",le=\"\\+Inf\"\\} 1\\b", metrics);
        Assert.Contains("eml_predictions_total{model=\"risk\",tenant=\"system\"} 3", metrics, StringComparison.Ordinal);
        Assert.Contains("eml_sweeps_running 0", metrics, StringComparison.Ordinal);
        var trials = System.Text.RegularExpressions.Regex.Match(metrics, "eml_trials_per_minute (\\d+)");
        Assert.True(trials.Success, metrics);
        Assert.True(int.Parse(trials.Groups[1].Value, CultureInfo.InvariantCulture) >= 1, "no trials counted in the last minute: " + metrics);
    }

    /// <summary>
    /// /metrics takes no key, and every tenant's callers reach it: its per-model series named every tenant's models to
    /// anyone, and two tenants' models of one name were one series (their counts added up). Predictions are now counted
    /// per tenant and model, listed so to an admin key only; without one (or with a tenant's key) /metrics gives their
    /// total and names no model or tenant.
    /// </summary>
    [Fact]
    public async Task Metrics_PredictionsPerModelAndTenant_ListedForAnAdminKeyOnly()
    {
        var model = await ServingModels.CreditGbdtAsync();
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "metrics");
        using var api = new ApiHost(scope);
        using var admin = api.Client();
        var (acmeId, acmeKey) = await ServingModels.CreateTenantAsync(admin, "acme");
        var (globexId, globexKey) = await ServingModels.CreateTenantAsync(admin, "globex");
        await ServingModels.InsertVersionAsync(api, acmeId, "secret-credit", 1, "champion", model);
        await ServingModels.InsertVersionAsync(api, globexId, "secret-credit", 1, "champion", model);
        using var acme = api.Client(acmeKey);
        using var globex = api.Client(globexKey);
        foreach (var (client, rows) in new[] { (acme, 2), (globex, 3) })
        {
            using var predict = await client.PostAsJsonAsync("/api/models/secret-credit/predict", new { rows = ServingModels.CreditRows(rows) });
            Assert.True(predict.StatusCode == HttpStatusCode.OK, await predict.Content.ReadAsStringAsync());
        }

        using var anonymous = api.Client(apiKey: null);
        using var unknown = api.Client("eml_not_a_real_key");
        foreach (var caller in new[] { anonymous, acme, unknown })
        {
            var open = await caller.GetStringAsync("/metrics");
            Assert.Contains("\neml_predictions_total 5\n", open, StringComparison.Ordinal);
            Assert.DoesNotContain("secret-credit", open, StringComparison.Ordinal);
            Assert.DoesNotContain("globex", open, StringComparison.Ordinal);
            Assert.DoesNotContain("acme", open, StringComparison.Ordinal);
        }

        var full = await admin.GetStringAsync("/metrics");
        Assert.Contains("\neml_predictions_total{model=\"secret-credit\",tenant=\"acme\"} 2\n", full, StringComparison.Ordinal);
        Assert.Contains("\neml_predictions_total{model=\"secret-credit\",tenant=\"globex\"} 3\n", full, StringComparison.Ordinal);
    }

    private sealed record LogEntry(string Category, LogLevel Level, string Message, IReadOnlyDictionary<string, string?> Properties, IReadOnlyDictionary<string, string?> Scopes)
    {
        public string? Scope(string key) => Scopes.TryGetValue(key, out var value) ? value : null;

        public override string ToString() => $"{Category}: {Message} [{string.Join(", ", Scopes.Select(kv => kv.Key + "=" + kv.Value))}]";
    }

    /// <summary>Records every entry with its structured properties and the key/value pairs of its active scopes.</summary>
    private sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
    {
        private readonly ConcurrentQueue<LogEntry> _entries = new();
        private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

        public IReadOnlyList<LogEntry> Entries => [.. _entries];

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose()
        {
        }

        private static void Flatten(object? state, Dictionary<string, string?> into)
        {
            if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
            {
                foreach (var (key, value) in pairs)
                {
                    into[key] = Convert.ToString(value, CultureInfo.InvariantCulture);
                }
            }
        }

        private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => owner._scopes.Push(state);

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (!IsEnabled(logLevel) || (logLevel < LogLevel.Error && !category.StartsWith("EnterpriseML", StringComparison.Ordinal)))
                {
                    return;
                }

                var properties = new Dictionary<string, string?>(StringComparer.Ordinal);
                Flatten(state, properties);
                var scopes = new Dictionary<string, string?>(StringComparer.Ordinal);
                owner._scopes.ForEachScope((scope, into) => Flatten(scope, into), scopes);
                owner._entries.Enqueue(new LogEntry(category, logLevel, formatter(state, exception) + (exception is null ? "" : " " + exception), properties, scopes));
            }
        }
    }
}
