using EnterpriseML.Api;
using EnterpriseML.Api.Datasets;
using EnterpriseML.Api.Experiments;
using EnterpriseML.Api.Models;
using EnterpriseML.Api.Schedules;
using EnterpriseML.Api.Serving;
using EnterpriseML.Api.Tenants;

var builder = WebApplication.CreateBuilder(args);
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

/// <summary>The API entry point (public so integration tests can host it with WebApplicationFactory).</summary>
public partial class Program;
