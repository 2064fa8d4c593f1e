using System.Text.RegularExpressions;
using EnterpriseML.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace EnterpriseML.IntegrationTests.Api;

/// <summary>
/// README.md's "HTTP routes" table is every route the API maps, each with the method and the success status the
/// endpoint declares (its smallest 2xx response type, 200 for a handler that declares none, as OpenAPI reads it).
/// </summary>
public sealed partial class HttpRoutesDocsTests
{
    [Fact]
    public async Task RoutesTable_EveryMappedRoute_DocumentedWithItsSuccessStatus()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "routes");
        using var host = new ApiHost(scope);
        using var client = host.Client();
        var mapped = host.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .SelectMany(e =>
            {
                var methods = e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods
                    ?? throw new InvalidOperationException($"Route {e.RoutePattern.RawText} maps no HTTP method.");
                var success = e.Metadata.OfType<IProducesResponseTypeMetadata>().Select(m => m.StatusCode)
                    .Where(c => c is >= 200 and < 300).DefaultIfEmpty(StatusCodes.Status200OK).Min();
                return methods.Select(m => $"{m} {Normalise(e.RoutePattern.RawText!)} {success}");
            })
            .ToHashSet(StringComparer.Ordinal);

        var readme = await File.ReadAllTextAsync(Path.Combine(TestPaths.RepositoryRoot, "README.md"));
        var documented = TableRow().Matches(readme)
            .Select(m => $"{m.Groups["method"].Value} {m.Groups["route"].Value} {m.Groups["status"].Value}")
            .ToList();

        Assert.NotEmpty(mapped);
        Assert.Equal(documented.Count, documented.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(mapped.Order(StringComparer.Ordinal), documented.Order(StringComparer.Ordinal));
    }

    /// <summary>Every field of every JSON request body is named in README.md (as <c>`field`</c> or <c>"field"</c>).</summary>
    [Theory]
    [InlineData(typeof(EnterpriseML.Jobs.ExperimentRequest))]
    [InlineData(typeof(EnterpriseML.Api.Schedules.ScheduleRequest))]
    [InlineData(typeof(EnterpriseML.Api.Schedules.PauseRequest))]
    [InlineData(typeof(EnterpriseML.Api.Models.StageChangeRequest))]
    [InlineData(typeof(EnterpriseML.Api.Tenants.CreateTenantRequest))]
    [InlineData(typeof(EnterpriseML.Api.Tenants.CreateKeyRequest))]
    public async Task RequestBody_EveryField_NamedInReadme(Type body)
    {
        var readme = await File.ReadAllTextAsync(Path.Combine(TestPaths.RepositoryRoot, "README.md"));
        var fields = body.GetProperties().Where(p => p.SetMethod is not null).Select(p => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(p.Name)).ToList();

        Assert.NotEmpty(fields);
        var missing = fields.Where(f => !readme.Contains($"`{f}`", StringComparison.Ordinal) && !readme.Contains($"\"{f}\"", StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, $"{body.Name} fields not named in README.md: {string.Join(", ", missing)}");
    }

    /// <summary>A group's root route ends in '/' (<c>/api/datasets/</c>); OpenAPI's document route names its one document.</summary>
    private static string Normalise(string route)
    {
        var trimmed = route.Length > 1 ? route.TrimEnd('/') : route;
        return trimmed.Replace("{documentName}", "v1", StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^\| `(?<method>[A-Z]+)` \| `(?<route>/[^`]*)` \| [a-z-]+ \| (?<status>\d{3}) \|", RegexOptions.Multiline)]
    private static partial Regex TableRow();
}
