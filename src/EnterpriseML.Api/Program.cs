using EnterpriseML.Api;
using EnterpriseML.Api.Datasets;
using EnterpriseML.Api.Experiments;
using EnterpriseML.Api.Models;
using EnterpriseML.Api.Tenants;

var builder = WebApplication.CreateBuilder(args);
builder.AddEnterpriseMlApi();

var app = builder.Build();
app.UseEnterpriseMlApi();
app.MapDatasetsApi();
app.MapTenantsApi();
app.MapExperimentsApi();
app.MapModelsApi();
await app.RunAsync();

/// <summary>The API entry point (public so integration tests can host it with WebApplicationFactory).</summary>
public partial class Program;
