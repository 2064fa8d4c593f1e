using EnterpriseML.Jobs;
using EnterpriseML.Worker;

// A headless node: the same registry and Quartz scheduler as the API, without HTTP. Several Workers and the API
// (with Jobs:RunWorker=false) share one PostgreSQL-backed, clustered job store.
try
{
    var builder = Host.CreateApplicationBuilder(args);
    builder.Logging.LeaveExplainedStartupFailuresToProgram();
    builder.Configuration.AddSharedAppSettings();
    builder.Services.AddEnterpriseMlCore(builder.Configuration, generatesAdminKey: false);
    using var host = builder.Build();
    host.RemoveAbandonedSpoolDirectories();
    await host.RunAsync();
    return 0;
}
catch (Exception e) when (StartupFailure.Describe(e) is { } reason)
{
    // A bad setting or an unreachable database: one readable line and exit code 1, not a stack trace and an abort (134);
    // the host's own "Hosting failed to start" entry for it is dropped (StartupFailureLogging).
    await Console.Error.WriteLineAsync("EnterpriseML Worker cannot start: " + reason);
    return 1;
}
