using EnterpriseML.Api;
using EnterpriseML.Api.Datasets;
using EnterpriseML.Api.Experiments;
using EnterpriseML.Api.Models;
using EnterpriseML.Api.Schedules;
using EnterpriseML.Api.Serving;
using EnterpriseML.Api.Tenants;
using EnterpriseML.Jobs;

try
{
    var builder = WebApplication.CreateBuilder(args);
    builder.Logging.LeaveExplainedStartupFailuresToProgram();
    builder.AddEnterpriseMlApi();
    builder.AddServing();

    var app = builder.Build();
    app.UseServing();
    app.UseEnterpriseMlApi();
    app.MapDatasetsApi();
    app.MapTenantsApi();
    app.MapExperimentsApi();
    app.MapModelsApi();
    app.MapSchedulesApi();
    app.MapPredictionApi();
    await app.RunAsync();
    return 0;
}
catch (Exception e) when (StartupFailure.Describe(e) is { } reason)
{
    // A bad setting or an unreachable database: one readable line and exit code 1, as the Worker does, not a stack trace
    // and an abort (134); the host's own "Hosting failed to start" entry for it is dropped (StartupFailureLogging).
    await Console.Error.WriteLineAsync("EnterpriseML API cannot start: " + reason);
    return 1;
}

/// <summary>The API entry point (public so integration tests can host it with WebApplicationFactory).</summary>
public partial class Program;
