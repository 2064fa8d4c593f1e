using EnterpriseML.IntegrationTests.Infrastructure;

namespace EnterpriseML.IntegrationTests.Api;

/// <summary>
/// An API that cannot start (a setting that does not parse or is out of range, an unreachable database) says why in one
/// line naming the setting and exits with code 1, as the Worker does; it used to print an 'Unhandled exception' stack
/// trace and abort (SIGABRT, exit code 134), and then the .NET host's own "Hosting failed to start" entry with the
/// stack trace before that line. The line is the whole output.
/// </summary>
public sealed class ApiStartupTests
{
    [Theory]
    [InlineData("Jobs:MaxConcurrentSweeps", "abc", "Failed to convert configuration value 'abc' at 'Jobs:MaxConcurrentSweeps' to type 'System.Int32'. Fix Jobs:MaxConcurrentSweeps in appsettings.json, the environment variable Jobs__MaxConcurrentSweeps or --Jobs:MaxConcurrentSweeps=.")]
    [InlineData("Jobs:MaxConcurrentSweeps", "0", "Jobs:MaxConcurrentSweeps: The field MaxConcurrentSweeps must be between 1 and 64.")]
    [InlineData("Serving:MaxBatchRows", "0", "Serving:MaxBatchRows: The field MaxBatchRows must be between 1 and 1000000.")]
    public async Task Start_BadSetting_OneLineNamingTheSettingAndExitCode1(string key, string value, string reason)
    {
        var output = await Processes.ApiRefusingToStartAsync(new Dictionary<string, string?> { [key] = value });

        Processes.AssertOnlyStartupRefusal(output, "EnterpriseML API cannot start: " + reason);
        Assert.Equal("EnterpriseML API cannot start: " + reason, output);
    }

    [Fact]
    public async Task Start_PostgresUnreachable_SaysWhichSettingAndExitCode1()
    {
        var output = await Processes.ApiRefusingToStartAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = $"Host=127.0.0.1;Port={Processes.FreePort()};Username=eml;Password=eml;Database=postgres;Timeout=3",
        });

        Processes.AssertOnlyStartupRefusal(output, "EnterpriseML API cannot start: the database cannot be reached (ConnectionStrings:Postgres");
    }
}
