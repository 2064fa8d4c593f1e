using System.Net;
using System.Text;
using System.Text.Json;
using EnterpriseML.IntegrationTests.Infrastructure;

namespace EnterpriseML.IntegrationTests.Api;

/// <summary>
/// A body beyond the server's request body limit (Storage:MaxUploadBytes plus 1 MiB) is refused by Kestrel as it is
/// read, which only the real server does (the in-process test host has no such limit): on a JSON route the 413 says the
/// limit and the setting behind it, where it used to be a bare 'Content Too Large'; a dataset upload keeps its own
/// 'File too large' detail.
/// </summary>
public sealed class RequestBodyLimitTests
{
    private const string Expected = "Request body: larger than the server's limit of 1,049,576 bytes (1 MiB), which is Storage:MaxUploadBytes (1,000 bytes) plus 1 MiB. Send a smaller body, or raise Storage:MaxUploadBytes.";

    [Fact]
    public async Task JsonBody_OverTheServersLimit_Returns413NamingTheLimitAndTheSetting()
    {
        var directory = Directory.CreateTempSubdirectory("eml-body-limit-");
        try
        {
            var address = new Uri($"http://127.0.0.1:{Processes.FreePort()}");
            await using var api = new RunningProcess("API", Processes.ApiDll, ["--urls", address.ToString()], new Dictionary<string, string?>
            {
                ["ConnectionStrings:Postgres"] = null,
                ["Storage:DataDirectory"] = directory.FullName,
                ["Storage:MaxUploadBytes"] = "1000",
                ["Auth:BootstrapKey"] = TestKeys.Admin,
            }, directory.FullName);
            using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
            client.DefaultRequestHeaders.Add("X-Api-Key", TestKeys.Admin);
            await Processes.PollAsync(async () =>
            {
                Assert.False(api.Process.HasExited, "The API exited while starting:\n" + api.Output);
                try
                {
                    return (await client.GetAsync("/health")).StatusCode == HttpStatusCode.OK ? (object)true : null;
                }
                catch (HttpRequestException)
                {
                    return null;
                }
            }, TimeSpan.FromSeconds(90), "the API to answer /health");

            // A first field of 1.1 MB makes the body larger than 1,000 bytes + 1 MiB, announced by Content-Length or not.
            var experiment = JsonSerializer.Serialize(new { modelName = new string('a', 1_100_000), datasetId = "d", label = "y" });
            using (var declared = await client.PostAsync("/api/experiments", new StringContent(experiment, Encoding.UTF8, "application/json")))
            {
                await AssertTooLargeAsync(declared, Expected);
            }

            var schedule = JsonSerializer.Serialize(new { name = new string('a', 1_100_000), cron = "0 0 2 * * ?" });
            var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(schedule)));
            chunked.Headers.ContentType = new("application/json");
            using (var request = new HttpRequestMessage(HttpMethod.Post, "/api/schedules") { Content = chunked })
            {
                request.Headers.TransferEncodingChunked = true;
                using var streamed = await client.SendAsync(request);
                await AssertTooLargeAsync(streamed, Expected);
            }

            var csv = Encoding.UTF8.GetBytes("a,b\n" + string.Concat(Enumerable.Repeat("1,2\n", 300_000)));
            using var upload = await client.PostAsync("/api/datasets", DatasetsApiTests.Form(csv, "huge.csv"));
            await AssertTooLargeAsync(upload, "The file is larger than the configured limit of 1,000 bytes (Storage:MaxUploadBytes).");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static async Task AssertTooLargeAsync(HttpResponseMessage response, string detail)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.RequestEntityTooLarge, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(detail, JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString());
    }
}
