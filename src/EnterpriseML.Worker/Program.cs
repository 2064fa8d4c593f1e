using EnterpriseML.Jobs;

// A headless node: the same registry and Quartz scheduler as the API, without HTTP. Several Workers and the API
// (with Jobs:RunWorker=false) share one PostgreSQL-backed, clustered job store.
var builder = Host.CreateApplicationBuilder(args);
builder.Configuration.AddSharedAppSettings();
builder.Services.AddEnterpriseMlCore(builder.Configuration);
using var host = builder.Build();
await host.RunAsync();
