namespace EnterpriseML.IntegrationTests.Infrastructure;

/// <summary>The real API (Program) on a backend, in process.</summary>
internal sealed class ApiHost(BackendScope backend, Dictionary<string, string?>? extra = null)
    : WebApplicationFactoryWithSettings(backend, extra ?? []);
