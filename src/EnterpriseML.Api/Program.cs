using EnterpriseML.Api;
using EnterpriseML.Api.Datasets;
using EnterpriseML.Api.Tenants;

var builder = WebApplication.CreateBuilder(args);
builder.AddEnterpriseMlApi();

var app = builder.Build();
app.UseEnterpriseMlApi();
app.MapDatasetsApi();
app.MapTenantsApi();
await app.RunAsync();

/// <summary>The API entry point (public so integration tests can host it with WebApplicationFactory).</summary>
public partial class Program;
