using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Dapper;
using EnterpriseML.Registry;

namespace EnterpriseML.Api.Serving;

/// <summary>
/// Process metrics in the Prometheus text format (<c>GET /metrics</c>): requests and latency per route, predictions,
/// plus sweeps running and trials finished in the last minute read from the registry at scrape time. Predictions are
/// counted per tenant and model, but listed so only to an admin key: the route takes no key, and every tenant's callers
/// can reach it, so the series named each tenant's models to anyone (and added up two tenants' models of one name).
/// Without an admin key it gives their total.
/// </summary>
internal sealed class ServingMetrics
{
    private static readonly double[] Buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private readonly ConcurrentDictionary<(string Route, string Method, int Status), long> _requests = new();
    private readonly ConcurrentDictionary<string, Histogram> _latency = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Tenant, string Model), long> _predictions = new();

    /// <summary>Counts <paramref name="rows"/> predictions of <paramref name="model"/> of the tenant named <paramref name="tenant"/>.</summary>
    public void CountPredictions(string tenant, string model, int rows) => _predictions.AddOrUpdate((tenant, model), rows, (_, v) => v + rows);

    public void ObserveRequest(string route, string method, int status, double seconds)
    {
        _requests.AddOrUpdate((route, method, status), 1, (_, v) => v + 1);
        _latency.GetOrAdd(route, _ => new Histogram()).Observe(seconds);
    }

    /// <param name="perModel">Whether to list predictions per model and tenant (admin keys only); else their total.</param>
    public async Task<string> RenderAsync(RegistryDatabase database, TimeProvider time, bool perModel, CancellationToken cancellationToken)
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine("# HELP eml_http_requests_total HTTP requests by route, method and status.");
        text.AppendLine("# TYPE eml_http_requests_total counter");
        foreach (var ((route, method, status), count) in _requests.OrderBy(kv => kv.Key.Route, StringComparer.Ordinal).ThenBy(kv => kv.Key.Status))
        {
            text.Append(inv, $"eml_http_requests_total{{route=\"{Escape(route)}\",method=\"{method}\",status=\"{status}\"}} {count}\n");
        }

        text.AppendLine("# HELP eml_http_request_duration_seconds HTTP request latency by route.");
        text.AppendLine("# TYPE eml_http_request_duration_seconds histogram");
        foreach (var (route, histogram) in _latency.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            histogram.Render(text, "eml_http_request_duration_seconds", $"route=\"{Escape(route)}\"");
        }

        text.AppendLine(perModel
            ? "# HELP eml_predictions_total Rows predicted (and recommendation and similar-items requests) per model and tenant."
            : "# HELP eml_predictions_total Rows predicted (and recommendation and similar-items requests), all models (per model with an admin key).");
        text.AppendLine("# TYPE eml_predictions_total counter");
        if (perModel)
        {
            foreach (var ((tenant, model), count) in _predictions.OrderBy(kv => kv.Key.Model, StringComparer.Ordinal).ThenBy(kv => kv.Key.Tenant, StringComparer.Ordinal))
            {
                text.Append(inv, $"eml_predictions_total{{model=\"{Escape(model)}\",tenant=\"{Escape(tenant)}\"}} {count}\n");
            }
        }
        else
        {
            text.Append(inv, $"eml_predictions_total {_predictions.Values.Sum()}\n");
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        var running = await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM experiments WHERE status = 'running'", cancellationToken: cancellationToken));
        var since = time.GetUtcNow().AddMinutes(-1).ToUnixTimeMilliseconds();
        var trials = await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM trials WHERE created_at >= @since", new { since }, cancellationToken: cancellationToken));
        text.AppendLine("# HELP eml_sweeps_running Experiments currently running, cluster-wide.");
        text.AppendLine("# TYPE eml_sweeps_running gauge");
        text.Append(inv, $"eml_sweeps_running {running}\n");
        text.AppendLine("# HELP eml_trials_per_minute Trials finished in the last 60 seconds, cluster-wide.");
        text.AppendLine("# TYPE eml_trials_per_minute gauge");
        text.Append(inv, $"eml_trials_per_minute {trials}\n");
        return text.ToString();
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    private sealed class Histogram
    {
        private readonly long[] _counts = new long[Buckets.Length + 1];
        private long _sumMicros;

        public void Observe(double seconds)
        {
            var i = 0;
            while (i < Buckets.Length && seconds > Buckets[i])
            {
                i++;
            }

            Interlocked.Increment(ref _counts[i]);
            Interlocked.Add(ref _sumMicros, (long)(seconds * 1e6));
        }

        public void Render(StringBuilder text, string name, string labels)
        {
            var inv = CultureInfo.InvariantCulture;
            long cumulative = 0;
            for (var i = 0; i < Buckets.Length; i++)
            {
                cumulative += Interlocked.Read(ref _counts[i]);
                text.Append(inv, $"{name}_bucket{{{labels},le=\"{Buckets[i].ToString(inv)}\"}} {cumulative}\n");
            }

            cumulative += Interlocked.Read(ref _counts[^1]);
            text.Append(inv, $"{name}_bucket{{{labels},le=\"+Inf\"}} {cumulative}\n");
            text.Append(inv, $"{name}_sum{{{labels}}} {(Interlocked.Read(ref _sumMicros) / 1e6).ToString(inv)}\n");
            text.Append(inv, $"{name}_count{{{labels}}} {cumulative}\n");
        }
    }
}

internal static class ServingHostingExtensions
{
    /// <summary>Model cache, metrics, per-key rate limiting (429 with Retry-After) and the Serving options.</summary>
    public static WebApplicationBuilder AddServing(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ServingOptions>().Bind(builder.Configuration.GetSection(ServingOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(sp => sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<ServingOptions>>().Value);
        builder.Services.AddSingleton<ServedModelCache>();
        builder.Services.AddExceptionHandler<DamagedModelProblems>();
        builder.Services.AddSingleton<ServingMetrics>();
        var permits = builder.Configuration.GetValue<int?>("Serving:RequestsPerSecondPerKey") ?? new ServingOptions().RequestsPerSecondPerKey;
        builder.Services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.GlobalLimiter = System.Threading.RateLimiting.PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                var hash = context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase) ? Auth.ApiKeyCache.HashOf(context) : null;
                if (hash is null)
                {
                    return System.Threading.RateLimiting.RateLimitPartition.GetNoLimiter("anonymous");
                }

                // Partition by the key's hash (computed once per request, reused by authentication): never keep
                // plaintext keys in memory longer than the request.
                return System.Threading.RateLimiting.RateLimitPartition.GetTokenBucketLimiter(hash, _ => new System.Threading.RateLimiting.TokenBucketRateLimiterOptions
                {
                    TokenLimit = permits,
                    TokensPerPeriod = permits,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            o.OnRejected = async (context, cancellationToken) =>
            {
                var retry = context.Lease.TryGetMetadata(System.Threading.RateLimiting.MetadataName.RetryAfter, out var after) ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)) : 1;
                context.HttpContext.Response.Headers.RetryAfter = retry.ToString(CultureInfo.InvariantCulture);
                await Results.Problem(title: "Too many requests", detail: $"This API key is limited to {permits} requests per second (Serving:RequestsPerSecondPerKey). Retry after {retry} s.", statusCode: 429).ExecuteAsync(context.HttpContext);
            };
        });
        return builder;
    }

    public static WebApplication UseServing(this WebApplication app)
    {
        var metrics = app.Services.GetRequiredService<ServingMetrics>();
        app.Use(async (context, next) =>
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                await next(context);
            }
            finally
            {
                var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
                metrics.ObserveRequest(route, context.Request.Method, context.Response.StatusCode, Stopwatch.GetElapsedTime(started).TotalSeconds);
            }
        });
        app.UseRateLimiter();
        app.MapGet("/metrics", async (HttpContext context, Auth.ApiKeyCache keys, RegistryDatabase database, TimeProvider time, CancellationToken ct) =>
        {
            // No key is needed; an unknown or revoked one is as none.
            var perModel = Auth.ApiKeyCache.HashOf(context) is not null && (await keys.AuthenticateAsync(context, ct))?.Role == Roles.Admin;
            return Results.Text(await metrics.RenderAsync(database, time, perModel, ct), "text/plain; version=0.0.4");
        }).ExcludeFromDescription();
        return app;
    }
}
