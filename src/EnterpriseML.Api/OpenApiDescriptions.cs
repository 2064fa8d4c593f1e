using EnterpriseML.Engine.Data;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace EnterpriseML.Api;

/// <summary>
/// What <c>/openapi/v1.json</c> cannot infer from the handlers: the <c>X-Api-Key</c> header every <c>/api</c> route
/// needs (checked by middleware, not by endpoint metadata), and the bodies of the two routes that read the request
/// themselves (a dataset upload, a prediction in JSON or CSV), so generated clients know what to send.
/// </summary>
internal static class OpenApiDescriptions
{
    public const string ApiKeyScheme = "ApiKey";

    /// <summary>Declares the API-key scheme and requires it for the whole document.</summary>
    public static OpenApiOptions AddApiKeyScheme(this OpenApiOptions options) => options.AddDocumentTransformer((document, _, _) =>
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[ApiKeyScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = "X-Api-Key",
            Description = "An API key of your tenant (admin, data-scientist or consumer); the first start prints an admin key once.",
        };
        document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, document)] = [] }];
        return Task.CompletedTask;
    });

    /// <summary>
    /// The rules of <c>DELETE /api/models/{name}</c> (<paramref name="wholeModel"/>) and
    /// <c>DELETE /api/models/{name}/versions/{version}</c>, which the handlers' types cannot say: what goes, and when a
    /// delete is refused with 409.
    /// </summary>
    public static RouteHandlerBuilder WithModelDeleteRules(this RouteHandlerBuilder builder, bool wholeModel) => wholeModel
        ? builder.WithSummary("Delete a model with all its versions")
            .WithDescription("Removes every version, its artifact and the stage history in one transaction (204); predictions then answer 404. "
                + "409 while a schedule of the tenant refreshes the model (paused or not) or a queued or running experiment will store into it: "
                + "delete the schedule, cancel or finish the experiment first. A model stored again under the name starts at version 1.")
        : builder.WithSummary("Delete one version of a model")
            .WithDescription("Removes the version and its artifact (204); predictions for it answer 404, and its number is not given to a later version. "
                + "409 for the champion: promote another version first, or delete the whole model.");

    /// <summary>What <c>POST /api/schedules/{name}/trigger</c> starts, how to follow it, and when it is refused.</summary>
    public static RouteHandlerBuilder WithScheduleTriggerRules(this RouteHandlerBuilder builder) => builder
        .WithSummary("Run a schedule's refresh now")
        .WithDescription("Fires the schedule's refresh job once, now: the same run a cron fire makes (challenger trained on the newest dataset, "
            + "champion and challenger scored on one holdout, promoted only when better), under the same per-node and per-tenant sweep limits; "
            + "the cron trigger and its next fire time are unchanged. 202 with status 'queued': the run is recorded in the schedule's refreshes "
            + "as the first one whose id is above afterRefreshId, with outcome.triggeredBy equal to requestedBy; until then GET /api/schedules/{name} "
            + "shows it under refreshUnderWay (queued, then running with its experimentId). 404 for a schedule not in your tenant; "
            + "409 when the schedule is paused (resume it first) or a refresh of it is already queued or running.");

    /// <summary>What <c>GET /api/tenants/{id}/keys</c> lists, and what it never shows.</summary>
    public static RouteHandlerBuilder WithKeyListRules(this RouteHandlerBuilder builder) => builder
        .WithSummary("List a tenant's API keys")
        .WithDescription("Every key of the tenant, active and revoked, newest first: its id (the one DELETE /api/tenants/{id}/keys/{keyId} takes), "
            + "role, prefix (a generated key's first 8 characters, 'eml_' and 4 random ones, to tell keys apart; empty for a key chosen with "
            + "Auth:BootstrapKey), createdAt and revokedAt (Unix ms; null while the key is active). Never the key nor its hash: a key is shown "
            + "once, when it is created. Admin role only; 404 for an unknown tenant.")
        .ProducesProblem(StatusCodes.Status404NotFound);

    /// <summary>A multipart upload: the CSV in <c>file</c> (text; a gzip file is refused with a message saying so), its dataset name in <c>name</c>, its text encoding in <c>encoding</c>.</summary>
    public static RouteHandlerBuilder WithDatasetUploadBody(this RouteHandlerBuilder builder) => builder.AddOpenApiOperationTransformer((operation, _, _) =>
    {
        operation.RequestBody = new OpenApiRequestBody
        {
            Required = true,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["multipart/form-data"] = new()
                {
                    Schema = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Object,
                        Required = new HashSet<string> { "file" },
                        Properties = new Dictionary<string, IOpenApiSchema>
                        {
                            ["file"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary", Description = "The CSV file, with a header line (UTF-8 unless 'encoding' says otherwise)." },
                            ["name"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "Dataset name (default: the file name without extension)." },
                            ["encoding"] = new OpenApiSchema
                            {
                                Type = JsonSchemaType.String,
                                Description = "The file's text encoding: " + string.Join(", ", CsvEncodings.Names) + " (case-insensitive; aliases cp1252, latin1). "
                                    + "Default: utf-8, or utf-16 when the file starts with a UTF-16 byte-order mark. The file is stored transcoded to UTF-8.",
                            },
                        },
                    },
                },
            },
        };
        return Task.CompletedTask;
    });

    /// <summary>A prediction request: JSON rows (one object per row, column → value) or a CSV body scored row by row.</summary>
    public static RouteHandlerBuilder WithPredictionBody(this RouteHandlerBuilder builder) => builder.AddOpenApiOperationTransformer((operation, _, _) =>
    {
        operation.RequestBody = new OpenApiRequestBody
        {
            Required = true,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/json"] = new()
                {
                    Schema = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Object,
                        Required = new HashSet<string> { "rows" },
                        Properties = new Dictionary<string, IOpenApiSchema>
                        {
                            ["rows"] = new OpenApiSchema
                            {
                                Type = JsonSchemaType.Array,
                                Description = "Rows to score (at most Serving:MaxBatchRows): each an object of column name → number, string or null.",
                                Items = new OpenApiSchema { Type = JsonSchemaType.Object, AdditionalPropertiesAllowed = true },
                            },
                        },
                    },
                },
                ["text/csv"] = new()
                {
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String, Description = "A CSV with a header line, UTF-8 unless the Content-Type names its charset (utf-16, utf-16le, utf-16be, windows-1252, iso-8859-1; us-ascii is read as UTF-8; another is a 415); the response is a CSV of predictions, one line per row." },
                },
            },
        };
        return Task.CompletedTask;
    });
}
