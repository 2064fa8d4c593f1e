using EnterpriseML.IntegrationTests.Infrastructure;

namespace EnterpriseML.IntegrationTests.Jobs;

/// <summary>
/// A Worker that cannot start (a bad setting, an unreachable database) says why in one line naming the setting and
/// exits with code 1, as an operator reading a container's log expects; it used to print a stack trace and abort
/// (SIGABRT, exit code 134, a core dump where those are enabled), and then the .NET host's own "Hosting failed to start"
/// entry with the stack trace before that line. The line is the whole output.
/// </summary>
public sealed class WorkerStartupTests
{
    [Theory]
    [InlineData("Jobs:MaxConcurrentSweeps", "abc", "Failed to convert configuration value 'abc' at 'Jobs:MaxConcurrentSweeps' to type 'System.Int32'. Fix Jobs:MaxConcurrentSweeps in appsettings.json, the environment variable Jobs__MaxConcurrentSweeps or --Jobs:MaxConcurrentSweeps=.")]
    [InlineData("Jobs:MaxConcurrentSweeps", "0", "Jobs:MaxConcurrentSweeps: The field MaxConcurrentSweeps must be between 1 and 64.")]
    [InlineData("Jobs:IdleWaitMilliseconds", "5", "Jobs:IdleWaitMilliseconds: The field IdleWaitMilliseconds must be between 1000 and 60000.")]
    public async Task Start_BadSetting_OneLineNamingTheSettingAndExitCode1(string key, string value, string reason)
    {
        var (exitCode, output) = await WorkerRefusingToStartAsync(new() { [key] = value });

        Assert.Equal(1, exitCode);
        Processes.AssertOnlyStartupRefusal(output, "EnterpriseML Worker cannot start: " + reason);
        Assert.Equal("EnterpriseML Worker cannot start: " + reason, output);
    }

    [Fact]
    public async Task Start_PostgresUnreachable_SaysWhichSettingAndExitCode1()
    {
        var (exitCode, output) = await WorkerRefusingToStartAsync(new()
        {
            ["ConnectionStrings:Postgres"] = $"Host=127.0.0.1;Port={Processes.FreePort()};Username=eml;Password=eml;Database=postgres;Timeout=3",
        });

        Assert.Equal(1, exitCode);
        Processes.AssertOnlyStartupRefusal(output, "EnterpriseML Worker cannot start: the database cannot be reached (ConnectionStrings:Postgres");
    }

    /// <summary>
    /// A Worker started first on an empty registry without <c>Auth:BootstrapKey</c> created an admin key and printed it
    /// in its own log, where nobody looks for it and a log shipper keeps it; the API then printed none. The key is the
    /// API's to create: the Worker says so, and the API started next prints the key.
    /// </summary>
    [Fact]
    public async Task Start_FirstOnEmptyRegistryWithoutBootstrapKey_PrintsNoKeyAndTheApiDoes()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Postgres, "wkey");
        var settings = scope.Settings("worker-nokey");
        settings["Auth:BootstrapKey"] = null;
        settings["Logging:Console:FormatterName"] = "simple";
        await using (var worker = new WorkerProcess("worker-nokey", settings))
        {
            await Processes.PollAsync(() => Task.FromResult(worker.Logged("Application started") || worker.Process.HasExited ? "yes" : null),
                TimeSpan.FromSeconds(60), "the Worker to start");
            Assert.False(worker.Process.HasExited, worker.Output);
            Assert.False(worker.Logged("admin API key (shown once"), "The Worker printed an admin key:\n" + worker.Output);
            Assert.True(worker.Logged("No Auth:BootstrapKey set: the API creates and prints an admin API key at its first start if none exists"), worker.Output);
        }

        var apiSettings = scope.Settings("api-nokey", runWorker: false);
        apiSettings["Auth:BootstrapKey"] = null;
        await using var api = new RunningProcess("API", Processes.ApiDll, ["--urls", $"http://127.0.0.1:{Processes.FreePort()}"], apiSettings, scope.DataDirectory);
        await Processes.PollAsync(() => Task.FromResult(api.Logged("admin API key (shown once, store it now)") || api.Process.HasExited ? "yes" : null),
            TimeSpan.FromSeconds(60), "the API to start");
        Assert.True(api.Logged("admin API key (shown once, store it now)"), "The API printed no admin key after the Worker's start:\n" + api.Output);
    }

    private static async Task<(int ExitCode, string Output)> WorkerRefusingToStartAsync(Dictionary<string, string?> settings)
    {
        var directory = Directory.CreateTempSubdirectory("eml-worker-refused-");
        try
        {
            settings["Storage:DataDirectory"] = directory.FullName;
            settings["Logging:Console:FormatterName"] = "simple";
            await using var worker = new RunningProcess("worker", Processes.WorkerDll, [], settings, directory.FullName);
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            try
            {
                await worker.Process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new Xunit.Sdk.XunitException($"The Worker was expected to refuse to start, but it was still running after a minute. Output:\n{worker.Output}");
            }

            return (worker.Process.ExitCode, worker.Output);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
