using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace EnterpriseML.IntegrationTests.Infrastructure;

/// <summary>An API host on a backend with extra settings on top.</summary>
internal class WebApplicationFactoryWithSettings(BackendScope backend, Dictionary<string, string?> extra) : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in backend.Settings("api-test").Concat(extra))
        {
            builder.UseSetting(key, value);
        }
    }

    public HttpClient Client(string? apiKey = TestKeys.Admin)
    {
        var client = CreateClient();
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        }

        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }
}
