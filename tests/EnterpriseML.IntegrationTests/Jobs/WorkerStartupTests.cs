using EnterpriseML.IntegrationTests.Infrastructure;

namespace EnterpriseML.IntegrationTests.Jobs;

/// <summary>
/// A Worker that cannot start (a bad setting, an unreachable database) says why in one line naming the setting and
/// exits with code 1, as an operator reading a container's log expects; it used to print a stack trace and abort
/// (SIGABRT, exit code 134, a core dump where those are enabled).
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
        Assert.Contains("EnterpriseML Worker cannot start: " + reason, output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_PostgresUnreachable_SaysWhichSettingAndExitCode1()
    {
        var (exitCode, output) = await WorkerRefusingToStartAsync(new()
        {
            ["ConnectionStrings:Postgres"] = $"Host=127.0.0.1;Port={Processes.FreePort()};Username=eml;Password=eml;Database=postgres;Timeout=3",
        });

        Assert.Equal(1, exitCode);
        Assert.Contains("EnterpriseML Worker cannot start: the database cannot be reached (ConnectionStrings:Postgres", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
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
