using System.Text.Json.Serialization;
using EnterpriseML.Api.Auth;
using EnterpriseML.Jobs;
using Microsoft.AspNetCore.Http.Features;

namespace EnterpriseML.Api;

internal static class ApiHostingExtensions
{
    /// <summary>Registry, migrations at start, Quartz, ProblemDetails (also for requests that do not bind), OpenAPI, JSON and upload limits.</summary>
    public static WebApplicationBuilder AddEnterpriseMlApi(this WebApplicationBuilder builder)
    {
        builder.Configuration.AddSharedAppSettings();
        builder.Services.AddEnterpriseMlCore(builder.Configuration);
        builder.Services.AddOptions<AuthOptions>().Bind(builder.Configuration.GetSection(AuthOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(sp => new ApiKeyCache(
            sp.GetRequiredService<EnterpriseML.Registry.TenantStore>(), sp.GetRequiredService<TimeProvider>(),
            TimeSpan.FromSeconds(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<AuthOptions>>().Value.KeyCacheSeconds)));
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            // Routing refuses a body of another media type before any handler runs, with a bare 415 that does not say
            // what to send: only routes with a JSON body are refused that way.
            if (context.ProblemDetails.Status == StatusCodes.Status415UnsupportedMediaType && context.ProblemDetails.Detail is null)
            {
                var sent = context.HttpContext.Request.ContentType;
                context.ProblemDetails.Detail = $"Request body: Content-Type {(string.IsNullOrEmpty(sent) ? "missing" : $"'{sent}'")}; expected application/json.";
            }
        });

        // A value that does not bind (?version=abc, a body that is not JSON) throws, so BadRequestProblems can say
        // which parameter or field and what was expected instead of a bare 400.
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddExceptionHandler<BadRequestProblems>();
        builder.Services.AddOpenApi(o => o.AddApiKeyScheme());
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter());

            // A field no request has (a typo such as ignoreColumn) is a 400 naming it, not silently dropped.
            o.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        });
        var maxUpload = builder.Configuration.GetValue<long?>("Storage:MaxUploadBytes") ?? (1L << 30);
        builder.Services.Configure<FormOptions>(o => o.MultipartBodyLengthLimit = maxUpload + (1 << 20));
        builder.WebHost.ConfigureKestrel(o => o.Limits.MaxRequestBodySize = maxUpload + (1 << 20));
        return builder;
    }

    public static WebApplication UseEnterpriseMlApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.UseMiddleware<ApiKeyMiddleware>();
        app.MapOpenApi();
        app.MapGet("/health", () => TypedResults.Ok(new { status = "healthy" })).WithTags("Health");
        return app;
    }
}
