using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Dapper;
using EnterpriseML.IntegrationTests.Infrastructure;
using Npgsql;

namespace EnterpriseML.IntegrationTests.Api;

/// <summary>
/// The API process killed (SIGKILL) during <c>POST /api/datasets</c>, then started again: nothing of the upload is
/// stored or listed, no upload bytes stay on disk, and the store goes on working (upload, list, get, delete).
/// </summary>
public sealed class DatasetUploadCrashTests : IDisposable
{
    private const string DatasetFile = "credit-german-statlog.csv";

    /// <summary>Each test's own temp directory (TMPDIR of the API processes), so what a killed process left is seen.</summary>
    private readonly string _temp = Directory.CreateTempSubdirectory("eml-crash-tmp-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    /// <summary>
    /// Killed while the form's file arrives: ASP.NET Core had buffered it to <c>ASPNETCORE_*.tmp</c> in the system temp
    /// directory, which stayed there for good. It now buffers in the process's spool directory, which the next start
    /// removes.
    /// </summary>
    [Fact]
    public async Task Upload_ApiKilledWhileTheFileArrives_NoBytesLeftAfterRestartAndTheStoreWorks()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "upcrash");
        var bytes = await DatasetsApiTests.ReadDatasetAsync(DatasetFile);
        await using (var api = await StartApiAsync(scope))
        {
            await KillWhileTheFileArrivesAsync(api, bytes, new DirectoryInfo(_temp), "the API to buffer the upload under way to a file");
        }

        await AssertRestartCleanAndStoreWorksAsync(scope, bytes);
    }

    /// <summary>
    /// Killed with the upload spooled, hashed and profiled, inside the transaction that stores it (the test holds the
    /// content's advisory lock, so the API waits there): the spooled copy stayed in the temp directory as
    /// <c>eml-upload-*</c>, beside ASP.NET Core's buffer of the form. The transaction is rolled back: no dataset, no
    /// content, no chunk.
    /// </summary>
    [Fact]
    public async Task Upload_ApiKilledInsideTheStoreTransaction_NothingStoredNoBytesLeftAndTheStoreWorks()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Postgres, "upcrashpg");
        var bytes = await DatasetsApiTests.ReadDatasetAsync(DatasetFile);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        await using (var api = await StartApiAsync(scope))
        {
            await using var held = new NpgsqlConnection(scope.Postgres);
            await held.OpenAsync();
            // DatasetStore's lock on one SHA-256's content ("EMLD", hashtext of the hash).
            await held.ExecuteAsync("SELECT pg_advisory_lock(1162693700, hashtext(@sha))", new { sha });
            using var client = Client(api);
            var upload = client.PostAsync("/api/datasets", DatasetsApiTests.Form(bytes, DatasetFile));
            await Waits.LockWaitersAsync(scope.Postgres!, "pg_advisory_xact_lock", 1, "the upload to wait in its store transaction");
            Assert.Contains(LeftFiles(), f => f.Length == bytes.Length);
            await KillAsync(api);
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => upload);
            // The server goes on with a statement whose client died once the lock is free; end the dead API's sessions
            // first, as the server does when it notices them gone.
            await held.ExecuteAsync(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'");
            await held.ExecuteAsync("SELECT pg_advisory_unlock(1162693700, hashtext(@sha))", new { sha });
            Assert.Equal(0, await held.ExecuteScalarAsync<long>("SELECT (SELECT COUNT(*) FROM datasets) + (SELECT COUNT(*) FROM dataset_contents) + (SELECT COUNT(*) FROM dataset_blobs)"));
        }

        await AssertRestartCleanAndStoreWorksAsync(scope, bytes);
    }

    /// <summary>
    /// An API killed while an upload arrives, then a Worker started on the same host (same temp directory) before any
    /// API starts again: the Worker's start removes the dead API's spool directory and the upload's bytes in it, as an
    /// API start does, and keeps the spool directory of an API still running there. Only an API start had removed them,
    /// so a host running Workers kept the bytes until the API came back.
    /// </summary>
    [Fact]
    public async Task WorkerStart_AfterApiKilledWhileTheFileArrives_RemovesTheDeadApisSpoolAndKeepsALiveOnes()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Postgres, "upcrashwk");
        var bytes = await DatasetsApiTests.ReadDatasetAsync(DatasetFile);
        var spool = Path.Combine(_temp, "enterpriseml-spool");
        string Owned(Process process) => Assert.Single(Directory.GetDirectories(spool, process.Id.ToString(CultureInfo.InvariantCulture) + "-*"));

        await using var live = await StartApiAsync(scope);
        var liveSpool = Owned(live.Process);
        string deadSpool;
        await using (var api = await StartApiAsync(scope))
        {
            deadSpool = Owned(api.Process);
            await KillWhileTheFileArrivesAsync(api, bytes, new DirectoryInfo(deadSpool), "the API to buffer the upload under way to a file in its spool directory");
        }

        Assert.True(Directory.Exists(deadSpool), deadSpool);
        var settings = scope.Settings("worker-spool");
        settings["TMPDIR"] = _temp;
        await using var worker = new WorkerProcess("worker-spool", settings);
        await Processes.PollAsync(() => Task.FromResult(worker.Logged("Application started") || worker.Process.HasExited ? "yes" : null),
            TimeSpan.FromSeconds(60), "the Worker to start");
        Assert.False(worker.Process.HasExited, worker.Output);
        Assert.False(Directory.Exists(deadSpool), $"The Worker's start left the killed API's spool directory {deadSpool}:\n{worker.Output}");
        Assert.True(worker.Logged($"Removed {deadSpool}: the temporary files of a process that ended without removing them"), worker.Output);
        Assert.True(Directory.Exists(liveSpool), $"The Worker's start removed the running API's spool directory {liveSpool}");
        Assert.False(live.Process.HasExited);
    }

    /// <summary>
    /// Starts the API again on the same temp directory: once it answers, no file with bytes is left there, nothing is
    /// listed, and an upload of the same file is stored, read, listed and deleted as any other.
    /// </summary>
    private async Task AssertRestartCleanAndStoreWorksAsync(BackendScope scope, byte[] bytes)
    {
        await using var api = await StartApiAsync(scope);
        Assert.True(LeftFiles().Count == 0, "Left in the temp directory after the restart: " + string.Join(", ", LeftFiles().Select(f => $"{f.FullName} ({f.Length} bytes)")));
        using var client = Client(api);
        Assert.Equal(0, (await client.GetFromJsonAsync<JsonElement>("/api/datasets")).GetProperty("total").GetInt64());

        using var stored = await client.PostAsync("/api/datasets", DatasetsApiTests.Form(bytes, DatasetFile));
        var body = await stored.Content.ReadAsStringAsync();
        Assert.True(stored.StatusCode == HttpStatusCode.Created, body);
        var id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetString();
        var dataset = await client.GetFromJsonAsync<JsonElement>($"/api/datasets/{id}");
        Assert.Equal(1000, dataset.GetProperty("rowCount").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), dataset.GetProperty("sha256").GetString());
        Assert.Equal(1, (await client.GetFromJsonAsync<JsonElement>("/api/datasets")).GetProperty("total").GetInt64());
        using (var deleted = await client.DeleteAsync($"/api/datasets/{id}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        Assert.Equal(0, (await client.GetFromJsonAsync<JsonElement>("/api/datasets")).GetProperty("total").GetInt64());
        Assert.Empty(LeftFiles());
    }

    /// <summary>
    /// Sends 90 % of <paramref name="bytes"/> as an upload that then stalls, waits until a file with bytes appears below
    /// <paramref name="watched"/> (the API buffering it), kills the API and lets the upload fail.
    /// </summary>
    private static async Task KillWhileTheFileArrivesAsync(ApiProcess api, byte[] bytes, DirectoryInfo watched, string what)
    {
        using var client = Client(api);
        var release = new TaskCompletionSource();
        using var form = new MultipartFormDataContent();
        var file = new StallingContent(bytes[..(bytes.Length * 9 / 10)], release.Task);
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(file, "file", DatasetFile);
        var upload = client.PostAsync("/api/datasets", form);
        await Processes.PollAsync(() => Task.FromResult(watched.EnumerateFiles("*", SearchOption.AllDirectories).Any(f => f.Length > 0) ? (object)true : null),
            TimeSpan.FromSeconds(30), what);
        await KillAsync(api);
        release.SetResult();
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => upload);
    }

    /// <summary>The regular files with bytes in the temp directory (a live process's empty lock file is not upload data).</summary>
    private List<FileInfo> LeftFiles() =>
        [.. new DirectoryInfo(_temp).EnumerateFiles("*", SearchOption.AllDirectories).Where(f => f.Length > 0)];

    private async Task<ApiProcess> StartApiAsync(BackendScope scope)
    {
        var settings = scope.Settings("api");
        settings["TMPDIR"] = _temp;
        settings["DOTNET_EnableDiagnostics"] = "0";
        var url = $"http://127.0.0.1:{Processes.FreePort()}";
        var api = new ApiProcess(url, settings);
        using var probe = new HttpClient { BaseAddress = new Uri(url) };
        await Processes.PollAsync(async () =>
        {
            try
            {
                using var health = await probe.GetAsync("/health");
                return health.IsSuccessStatusCode ? (object)true : null;
            }
            catch (HttpRequestException)
            {
                return api.Process.HasExited ? throw new InvalidOperationException("The API exited:\n" + api.Output) : null;
            }
        }, TimeSpan.FromSeconds(60), "the API to answer /health");
        return api;
    }

    private static HttpClient Client(ApiProcess api)
    {
        var client = new HttpClient { BaseAddress = new Uri(api.Url), Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Add("X-Api-Key", TestKeys.Admin);
        return client;
    }

    private static async Task KillAsync(ApiProcess api)
    {
        api.Process.Kill(entireProcessTree: true);
        await api.Process.WaitForExitAsync();
    }

    private sealed class ApiProcess(string url, IReadOnlyDictionary<string, string?> settings)
        : RunningProcess("API", Processes.ApiDll, ["--urls", url], settings)
    {
        public string Url { get; } = url;
    }

    /// <summary>A request body that sends its first bytes, then nothing until released: an upload under way.</summary>
    private sealed class StallingContent(byte[] head, Task release) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(head);
            await stream.FlushAsync();
            await release;
            throw new IOException("The upload was cut off.");
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
