using System.Net;
using System.Text.RegularExpressions;
using EnterpriseML.IntegrationTests.Infrastructure;
using EnterpriseML.IntegrationTests.Jobs;

namespace EnterpriseML.IntegrationTests.Api;

/// <summary>
/// The README's first command: the API as a real process with nothing configured, in an empty working directory.
/// It must create its SQLite stores there, print an admin key once, run a sweep on its in-process scheduler and serve
/// the winner; started again on the same directory it must keep everything and print no new key.
/// </summary>
public sealed partial class FirstStartTests
{
    /// <summary>Settings a developer's shell or CI might carry; the first command runs without any of them.</summary>
    private static readonly string[] Configured = ["ConnectionStrings", "Storage", "Auth", "Jobs", "Serving", "ASPNETCORE"];

    [Fact]
    public async Task ApiProcess_NothingConfigured_PrintsKeyOnce_SweepsOnSqlite_AndKeepsItAllAcrossARestart()
    {
        var directory = Directory.CreateTempSubdirectory("eml-first-start-").FullName;
        try
        {
            string key;
            string row;
            using (var first = await EmbeddedApi.StartAsync(directory))
            {
                key = first.PrintedKey ?? throw new Xunit.Sdk.XunitException("No admin key was printed on the first start:\n" + first.Output);
                Assert.Matches("^eml_[A-Za-z0-9_-]{20,}$", key);
                Assert.True(File.Exists(Path.Combine(directory, ".enterpriseml", "registry.db")), first.Output);
                Assert.True(File.Exists(Path.Combine(directory, ".enterpriseml", "jobs.db")), first.Output);

                using var client = first.Client(key);
                var datasetId = await ExperimentFlowTests.UploadAsync(client, "credit-german-statlog.csv");
                var id = await ExperimentFlowTests.SubmitAsync(client, datasetId, 60, seed: 3, modelName: "first-start", maxTrials: 6);
                using var done = await ExperimentFlowTests.WaitAsync(client, id, 120);
                Assert.True(done.RootElement.GetProperty("status").GetString() == "succeeded", done.RootElement + "\n" + first.Output);
                row = await PredictAsync(client);

                using var anonymous = first.Client(null);
                Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/models")).StatusCode);
                await first.StopAsync();
                Assert.True(first.ExitCode == 0, $"SIGTERM should stop the API cleanly; exit code {first.ExitCode}:\n{first.Output}");
            }

            using var second = await EmbeddedApi.StartAsync(directory);
            Assert.True(second.PrintedKey is null, "A restart on the same data directory printed a new admin key:\n" + second.Output);
            using var again = second.Client(key);
            Assert.Equal(row, await PredictAsync(again));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>The dataset's first five rows through the champion as CSV; returns the response body.</summary>
    private static async Task<string> PredictAsync(HttpClient client)
    {
        var rows = string.Join('\n', File.ReadLines(TestPaths.Dataset("credit-german-statlog.csv")).Take(6)) + "\n";
        using var content = new StringContent(rows, System.Text.Encoding.UTF8, "text/csv");
        using var response = await client.PostAsync("/api/models/first-start/predict", content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var lines = body.TrimEnd('\n').Split('\n');
        Assert.Equal("label,probability", lines[0]);
        Assert.Equal(6, lines.Length);
        Assert.All(lines.Skip(1), l =>
        {
            var cells = l.Split(',');
            Assert.Contains(cells[0], new[] { "good", "bad" });
            Assert.InRange(double.Parse(cells[1], System.Globalization.CultureInfo.InvariantCulture), 0, 1);
        });
        return body;
    }

    [GeneratedRegex(@"^\s*(eml_\S+)\s*$")]
    private static partial Regex KeyLine();

    /// <summary>The API dll run as <c>dotnet EnterpriseML.Api.dll --urls …</c> in a given working directory.</summary>
    private sealed class EmbeddedApi : IDisposable
    {
        private readonly RunningProcess _process;
        private readonly Uri _address;

        private EmbeddedApi(string directory)
        {
            _address = new Uri($"http://127.0.0.1:{Processes.FreePort()}");
            var environment = Environment.GetEnvironmentVariables().Keys.Cast<string>()
                .Where(name => Configured.Any(prefix => name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)))
                .ToDictionary(name => name, string? (_) => null);
            _process = new RunningProcess("API", Processes.ApiDll, ["--urls", _address.ToString()], environment, directory);
        }

        public string Output => _process.Output;

        /// <summary>The key printed under the "shown once" banner, or null when none was printed.</summary>
        public string? PrintedKey
        {
            get
            {
                var lines = _process.Lines;
                var banner = Array.FindIndex(lines, l => l.Contains("admin API key (shown once", StringComparison.Ordinal));
                return banner >= 0 && banner + 1 < lines.Length && KeyLine().Match(lines[banner + 1]) is { Success: true } m ? m.Groups[1].Value : null;
            }
        }

        public int ExitCode => _process.Process.ExitCode;

        public static async Task<EmbeddedApi> StartAsync(string directory)
        {
            var api = new EmbeddedApi(directory);
            using var probe = api.Client(null);
            await Processes.PollAsync(async () =>
            {
                if (api._process.Process.HasExited)
                {
                    throw new Xunit.Sdk.XunitException($"The API exited with {api.ExitCode} while starting:\n{api.Output}");
                }

                try
                {
                    return (await probe.GetAsync("/health")).StatusCode == HttpStatusCode.OK ? (object)true : null;
                }
                catch (HttpRequestException)
                {
                    return null;
                }
            }, TimeSpan.FromSeconds(90), "the API to answer /health");
            return api;
        }

        public HttpClient Client(string? key)
        {
            var client = new HttpClient { BaseAddress = _address, Timeout = TimeSpan.FromSeconds(60) };
            if (key is not null)
            {
                client.DefaultRequestHeaders.Add("X-Api-Key", key);
            }

            return client;
        }

        /// <summary>Sends SIGTERM and waits for the process to exit.</summary>
        public async Task StopAsync()
        {
            await _process.TerminateAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await _process.Process.WaitForExitAsync(timeout.Token);
        }

        public void Dispose() => _process.Dispose();
    }
}
