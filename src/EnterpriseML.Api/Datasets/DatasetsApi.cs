using System.Globalization;
using EnterpriseML.Api.Auth;
using EnterpriseML.Api.Experiments;
using EnterpriseML.Engine.Data;
using EnterpriseML.Registry;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EnterpriseML.Api.Datasets;

/// <summary>The dataset shape of the HTTP API.</summary>
/// <param name="Sha256">The SHA-256 of the stored bytes: the uploaded file, or its text transcoded to UTF-8 when it was in another encoding.</param>
/// <param name="Encoding">The uploaded file's text encoding (utf-8, utf-16, windows-1252, ...); the stored bytes are UTF-8.</param>
public sealed record DatasetResponse(string Id, string Name, string Sha256, long RowCount, int ColumnCount, IReadOnlyList<ColumnResponse> Columns, long CreatedAt, string Encoding)
{
    public static DatasetResponse From(DatasetRecord d) => new(
        d.Id, d.Name, d.Sha256, d.RowCount, d.ColumnCount,
        [.. d.Profile.Columns.Select(c => new ColumnResponse(c.Name, c.Type.ToString().ToLowerInvariant(), c.MissingCount, c.DistinctCount, c.Min, c.Max, c.Mean, c.TopValues, c.Note))],
        d.CreatedAt, CsvEncodings.NameOf(d.Profile.Encoding));
}

/// <param name="Note">Why the inferred type may not be what the file meant (numbers with a few stray values read as categorical, naming the first and its line); null when nothing.</param>
public sealed record ColumnResponse(string Name, string Type, long MissingCount, long DistinctCount, double? Min, double? Max, double? Mean, IReadOnlyList<ValueCount>? TopValues, string? Note = null);

public sealed record Page<T>(IReadOnlyList<T> Items, long Total, int PageNumber, int PageSize);

internal static class DatasetsApi
{
    public static IEndpointRouteBuilder MapDatasetsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/datasets").WithTags("Datasets");
        group.MapPost("/", UploadAsync).DisableAntiforgery().RequireRole(Roles.DataScientist).WithDatasetUploadBody();
        group.MapGet("/", ListAsync).RequireRole(Roles.DataScientist);
        group.MapGet("/{id}", GetAsync).RequireRole(Roles.DataScientist);
        group.MapDelete("/{id}", DeleteAsync).RequireRole(Roles.DataScientist);
        return app;
    }

    private static async Task<Results<Created<DatasetResponse>, ProblemHttpResult>> UploadAsync(
        HttpRequest request, DatasetStore store, StorageOptions storage, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (!request.HasFormContentType)
        {
            return Problem(400, "Expected multipart/form-data", "Send the CSV as a multipart form field named 'file' (and optionally 'name' and 'encoding').");
        }

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(cancellationToken);
        }
        catch (Exception e) when (e is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } or InvalidDataException)
        {
            // A body beyond the server's own limit (Storage:MaxUploadBytes plus room for the form's headers) is refused
            // while it is read: say so with the setting, as for a file over the limit, not the server's byte count.
            return Problem(413, "File too large", new UploadTooLargeException(storage.MaxUploadBytes).Message);
        }

        var files = form.Files.GetFiles("file");
        if (files.Count == 0)
        {
            var others = form.Files.Select(f => f.Name).Concat(form.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
            return Problem(400, "Missing file", others.Length == 0
                ? "The multipart form has no field named 'file'."
                : $"The multipart form has no field named 'file' (it has {string.Join(", ", others.Select(o => $"'{o}'"))}).");
        }

        if (files.Count > 1 || form["name"].Count > 1 || form["encoding"].Count > 1)
        {
            // Only the first would be stored, and the caller told a 201 as if all were.
            var (field, count) = files.Count > 1 ? ("file", files.Count) : form["name"].Count > 1 ? ("name", form["name"].Count) : ("encoding", form["encoding"].Count);
            return ExperimentsApi.FieldProblem(field, string.Create(CultureInfo.InvariantCulture,
                $"The form has {count} '{field}' fields; an upload stores one file as one dataset: send each file in its own request."));
        }

        // A field the upload does not have (a misspelt 'name') would be dropped and the dataset named after its file.
        if (form.Files.Select(f => f.Name).Concat(form.Keys).FirstOrDefault(f => f is not ("file" or "name" or "encoding")) is { } unknown)
        {
            return ExperimentsApi.FieldProblem(unknown, $"'{unknown}': not a field of this upload; the fields are 'file', 'name' and 'encoding'.");
        }

        // The file's text encoding; without it UTF-8, or UTF-16 when the file starts with a UTF-16 byte-order mark.
        CsvEncoding? encoding = null;
        if (form.ContainsKey("encoding"))
        {
            var value = form["encoding"].ToString();
            if (!CsvEncodings.TryParse(value, out var parsed))
            {
                return ExperimentsApi.FieldProblem("encoding", CsvEncodings.UnknownMessage(value, "encoding"));
            }

            encoding = parsed;
        }

        var file = files[0];

        if (file.Length > storage.MaxUploadBytes)
        {
            return Problem(413, "File too large", $"{file.FileName} is {file.Length:N0} bytes; the limit is {storage.MaxUploadBytes:N0} bytes (Storage:MaxUploadBytes).");
        }

        var name = form["name"].ToString();
        if (string.IsNullOrWhiteSpace(name))
        {
            name = DatasetStore.NameFromFileName(file.FileName);
        }

        try
        {
            await using var stream = file.OpenReadStream();
            var record = await store.IngestAsync(request.HttpContext.Caller().TenantId, name.Trim(), stream, encoding, cancellationToken);
            loggers.CreateLogger("EnterpriseML.Api.Datasets").LogInformation(
                "Stored dataset {DatasetId} '{DatasetName}': {RowCount} rows, {ColumnCount} columns, sha256 {Sha256}", record.Id, record.Name, record.RowCount, record.ColumnCount, record.Sha256);
            return TypedResults.Created($"/api/datasets/{record.Id}", DatasetResponse.From(record));
        }
        catch (CsvFormatException e)
        {
            return Problem(400, "Invalid CSV", e.Message);
        }
        catch (UploadTooLargeException e)
        {
            return Problem(413, "File too large", e.Message);
        }
        catch (ArgumentException e) when (e.ParamName == "name")
        {
            // The form field, without the " (Parameter 'name')" that ArgumentException appends to its message.
            return ExperimentsApi.FieldProblem("name", e.Message.Replace(" (Parameter 'name')", "", StringComparison.Ordinal));
        }
        catch (ArgumentException e)
        {
            return Problem(400, "Invalid request", e.Message);
        }
    }

    private static async Task<Ok<Page<DatasetResponse>>> ListAsync(HttpContext context, DatasetStore store, int? page, int? pageSize, CancellationToken cancellationToken)
    {
        var size = Math.Clamp(pageSize ?? 50, 1, 500);
        var number = Math.Max(page ?? 1, 1);
        var tenant = context.Caller().TenantId;
        var items = await store.ListAsync(tenant, (number - 1) * size, size, cancellationToken);
        var total = await store.CountAsync(tenant, cancellationToken);
        return TypedResults.Ok(new Page<DatasetResponse>([.. items.Select(DatasetResponse.From)], total, number, size));
    }

    private static async Task<Results<Ok<DatasetResponse>, ProblemHttpResult>> GetAsync(string id, HttpContext context, DatasetStore store, CancellationToken cancellationToken)
    {
        var record = await store.GetAsync(context.Caller().TenantId, id, cancellationToken);
        return record is null ? NotFound(id) : TypedResults.Ok(DatasetResponse.From(record));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string id, HttpContext context, DatasetStore store, CancellationToken cancellationToken) =>
        await store.DeleteAsync(context.Caller().TenantId, id, cancellationToken) ? TypedResults.NoContent() : NotFound(id);

    private static ProblemHttpResult NotFound(string id) => Problem(404, "Dataset not found", $"There is no dataset '{id}' in your tenant.");

    private static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(title: title, detail: detail, statusCode: status);
}
