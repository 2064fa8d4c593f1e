using System.Globalization;
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
        // Kestrel refuses a body beyond this as it is read; the upload limit plus room for a multipart form's headers.
        var maxUpload = builder.Configuration.GetValue<long?>("Storage:MaxUploadBytes") ?? (1L << 30);
        // Saturating: Storage:MaxUploadBytes may be set as high as long.MaxValue ("no limit"), where the sum would wrap.
        var maxRequestBody = maxUpload > long.MaxValue - (1 << 20) ? long.MaxValue : maxUpload + (1 << 20);
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            // A JSON body beyond the server's limit is refused by Kestrel while the framework binds it, with a bare 413
            // that says neither the limit nor the setting behind it (a dataset upload says so itself).
            if (context.ProblemDetails.Status == StatusCodes.Status413PayloadTooLarge && context.ProblemDetails.Detail is null)
            {
                context.ProblemDetails.Detail = TooLarge(maxRequestBody, maxUpload);
            }

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

            // A field given twice (or in two casings, which bind to the same field) is a 400 naming it, not the last
            // value silently winning.
            o.SerializerOptions.AllowDuplicateProperties = false;

            // A number sent as a string ("budgetSeconds":"30") is a 400 naming the field, as any value of the wrong
            // type is: the web defaults read numbers from strings, and the documented shapes use JSON numbers.
            o.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
        });
        builder.Services.Configure<FormOptions>(o => o.MultipartBodyLengthLimit = maxRequestBody);
        builder.WebHost.ConfigureKestrel(o => o.Limits.MaxRequestBodySize = maxRequestBody);
        return builder;
    }

    /// <summary>
    /// Creates this process's spool directory, removing the ones processes that died left (their uploads' bytes), and
    /// points ASP.NET Core's own buffering of a form's file there (ASPNETCORE_TEMP, read once, on the first form): a
    /// process killed while it read an upload left that buffer in the temp directory too.
    /// </summary>
    private static void UseSpoolDirectory(WebApplication app)
    {
        var spool = EnterpriseML.Registry.SpoolDirectory.Current;
        Environment.SetEnvironmentVariable("ASPNETCORE_TEMP", spool.Path);
        // Said once the API runs: a start refused for a bad setting prints its one line and nothing else.
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            foreach (var removed in spool.Removed)
            {
                app.Logger.LogInformation("Removed {Directory}: the temporary files of a process that ended without removing them (killed mid-upload)", removed);
            }
        });
    }

    /// <summary>The detail of a 413 for a body over the server's limit: the limit, and the setting that raises it.</summary>
    internal static string TooLarge(long maxRequestBody, long maxUpload) => string.Create(CultureInfo.InvariantCulture,
        $"Request body: larger than the server's limit of {maxRequestBody:N0} bytes ({maxRequestBody / (1024.0 * 1024.0):0.#} MiB), which is Storage:MaxUploadBytes ({maxUpload:N0} bytes) plus 1 MiB. Send a smaller body, or raise Storage:MaxUploadBytes.");

    public static WebApplication UseEnterpriseMlApi(this WebApplication app)
    {
        UseSpoolDirectory(app);
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
