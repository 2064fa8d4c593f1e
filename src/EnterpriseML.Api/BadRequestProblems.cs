using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.WebUtilities;

namespace EnterpriseML.Api;

/// <summary>
/// Answers a request an endpoint could not bind (a query value not of its parameter's type, a body that is not JSON or
/// has a field of the wrong type) with a ProblemDetails whose detail names the parameter or field and what was
/// expected. Minimal APIs report these only by throwing <see cref="BadHttpRequestException"/> (with
/// <see cref="RouteHandlerOptions.ThrowOnBadRequest"/>); otherwise they answer a bare 400 that does not say why.
/// The framework's messages are the only place the parameter is named, so they are parsed here; one that does not
/// match a known form is passed on as it is.
/// </summary>
internal sealed partial class BadRequestProblems : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad || httpContext.Response.HasStarted)
        {
            return false;
        }

        var (title, detail) = Describe(bad, httpContext.Request);
        await TypedResults.Problem(title: title, detail: detail, statusCode: bad.StatusCode).ExecuteAsync(httpContext);
        return true;
    }

    internal static (string Title, string Detail) Describe(BadHttpRequestException bad, HttpRequest request)
    {
        if (bad.InnerException is JsonException json)
        {
            return ("Invalid request body", Describe(json));
        }

        if (BindFailed().Match(bad.Message) is { Success: true } failed)
        {
            var name = failed.Groups["name"].Value;
            var (source, title) = SourceOf(request, name);
            return (title, $"{source} '{name}': '{failed.Groups["value"].Value}' is not {Expected(failed.Groups["type"].Value)}.");
        }

        if (NotProvided().Match(bad.Message) is { Success: true } missing)
        {
            var name = missing.Groups["name"].Value;
            return missing.Groups["source"].Value switch
            {
                "body" => ("Invalid request body", "Request body: empty; expected a JSON object."),
                "query string" => ("Invalid query parameter", $"Query parameter '{name}' is required."),
                "header" => ("Invalid header", $"Header '{name}' is required."),
                var source => ("Invalid parameter", $"Parameter '{name}' ({source}) is required."),
            };
        }

        if (bad.Message.StartsWith("Implicit body inferred", StringComparison.Ordinal))
        {
            return ("Invalid request body", "Request body: empty; expected a JSON object.");
        }

        return (ReasonPhrases.GetReasonPhrase(bad.StatusCode), bad.Message);
    }

    /// <summary>
    /// A body System.Text.Json could not read: the field and the type it expected, or where the JSON is broken (line
    /// and position counted from 1). Also used for the predict body, which <see cref="Utf8JsonReader"/> reads itself:
    /// its messages end in <c>LineNumber: 0 | BytePositionInLine: 22.</c> (counted from 0) instead of a path.
    /// </summary>
    internal static string Describe(JsonException json)
    {
        var message = json.Message;
        var suffix = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (suffix < 0)
        {
            suffix = message.IndexOf(" LineNumber: ", StringComparison.Ordinal);
        }

        var reason = suffix < 0 ? message : message[..suffix];
        var at = json.LineNumber is { } line && json.BytePositionInLine is { } position
            ? string.Create(CultureInfo.InvariantCulture, $"line {line + 1}, position {position + 1}")
            : null;
        if (Unmapped().Match(reason) is { Success: true } unmapped)
        {
            // A misspelt or unsupported field would otherwise be dropped without a word (ignoreColumn for ignoreColumns).
            var type = Resolve(unmapped.Groups["type"].Value);
            var fields = type is null ? null : JsonFieldNames(type);
            var within = json.Path is { } path && path.LastIndexOf('.') is > 1 and var dot ? path[2..dot] + "." : "";
            return $"{within}{unmapped.Groups["name"].Value}: not a field of this request{(fields is null ? "" : $"; the fields are {string.Join(", ", fields)}")}.";
        }

        if (Duplicate().Match(reason) is { Success: true } duplicate)
        {
            // System.Text.Json names the field as it binds it, so two casings of one name are reported as the field.
            var within = json.Path is { } path && path.LastIndexOf('.') is > 1 and var dot ? path[2..dot] + "." : "";
            return $"{within}{duplicate.Groups["name"].Value}: given twice; send each field once.";
        }

        if (ConversionFailed().Match(reason) is { Success: true } conversion)
        {
            var field = json.Path is null or "$" ? "Request body" : json.Path.StartsWith("$.", StringComparison.Ordinal) ? json.Path[2..] : json.Path[1..];
            // The path names the field; System.Text.Json's position is sometimes the value's last byte, sometimes the next.
            return $"{field}: expected {ExpectedAt(conversion.Groups["type"].Value, json.Path)}.";
        }

        if (reason.Contains("does not contain any JSON tokens", StringComparison.Ordinal))
        {
            return "Request body: empty; expected a JSON object.";
        }

        return at is null ? $"Request body: invalid JSON: {reason}" : $"Request body: invalid JSON at {at}: {reason}";
    }

    /// <summary>The JSON field names of a request type (its public properties in camelCase, in ordinal order), for errors that list them.</summary>
    internal static IReadOnlyList<string> JsonFieldNames(Type type) =>
        [.. type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name)).Order(StringComparer.Ordinal)];

    /// <summary>Where a parameter of that name came from, as the caller sees it (query string, header, route).</summary>
    private static (string Source, string Title) SourceOf(HttpRequest request, string name)
    {
        if (request.Query.ContainsKey(name))
        {
            return ("Query parameter", "Invalid query parameter");
        }

        if (request.Headers.ContainsKey(name))
        {
            return ("Header", "Invalid header");
        }

        // The exception handler clears the request's route values before handlers run; its feature keeps them.
        var routeValues = request.HttpContext.Features.Get<IExceptionHandlerFeature>()?.RouteValues ?? request.RouteValues;
        return routeValues.ContainsKey(name) ? ("Route parameter", "Invalid route parameter") : ("Parameter", "Invalid parameter");
    }

    /// <summary>
    /// What the field at <paramref name="path"/> expected. System.Text.Json names the field's type, or, for a value
    /// bound to a record's constructor parameter, the record's: then the field's type is the record's property.
    /// </summary>
    private static string ExpectedAt(string typeName, string? path)
    {
        var type = Resolve(typeName);
        var field = path?[(path.LastIndexOf('.') + 1)..];
        if (type is not null && Kind(type) == "an object" && !string.IsNullOrEmpty(field) && !field.Contains('[', StringComparison.Ordinal)
            && type.GetProperty(field, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase) is { } property)
        {
            return Kind(property.PropertyType);
        }

        return type is null ? Expected(typeName) : Kind(type);
    }

    private static Type? Resolve(string typeName)
    {
        if (Type.GetType(typeName) is { } system)
        {
            return system;
        }

        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
        {
            if (assembly.GetType(typeName) is { } type)
            {
                return type;
            }
        }

        return null;
    }

    /// <summary>What a value of <paramref name="type"/> is, in a caller's words.</summary>
    private static string Kind(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsEnum)
        {
            return "one of " + string.Join(", ", Enum.GetNames(type));
        }

        return Type.GetTypeCode(type) switch
        {
            TypeCode.Byte or TypeCode.SByte or TypeCode.Int16 or TypeCode.UInt16 or TypeCode.Int32 or TypeCode.UInt32 or TypeCode.Int64 or TypeCode.UInt64 => "an integer",
            TypeCode.Single or TypeCode.Double or TypeCode.Decimal => "a number",
            TypeCode.Boolean => "true or false",
            TypeCode.String or TypeCode.Char => "a string",
            TypeCode.DateTime => "an ISO 8601 date",
            _ when type == typeof(Guid) => "a GUID",
            _ when type == typeof(DateTimeOffset) || type == typeof(DateOnly) => "an ISO 8601 date",
            _ when type.IsAssignableTo(typeof(System.Collections.IDictionary)) || type.Name.StartsWith("IReadOnlyDictionary", StringComparison.Ordinal) => "an object",
            _ when type.IsAssignableTo(typeof(System.Collections.IEnumerable)) => "an array",
            _ => "an object",
        };
    }

    /// <summary>What a value of a parameter's type (its C# display name: <c>Nullable&lt;int&gt;</c>, <c>bool</c>) is.</summary>
    private static string Expected(string type)
    {
        var name = NullableOf().Match(type) is { Success: true } nullable ? nullable.Groups["inner"].Value : type.TrimEnd('?');
        return name switch
        {
            "int" or "long" or "short" or "byte" or "uint" or "ulong" or "ushort" or "sbyte" => "an integer",
            "float" or "double" or "decimal" => "a number",
            "bool" => "true or false",
            "string" or "char" => "a string",
            "Guid" => "a GUID",
            "DateTime" or "DateTimeOffset" or "DateOnly" => "an ISO 8601 date",
            _ when name.EndsWith("[]", StringComparison.Ordinal) || name.Contains("List", StringComparison.Ordinal) || name.Contains("Enumerable", StringComparison.Ordinal) => "an array",
            _ when name.Contains('.', StringComparison.Ordinal) => "an object",
            _ => $"a valid {name}",
        };
    }

    [GeneratedRegex("""^Failed to bind parameter "(?<type>.+) (?<name>[^ "]+)" from "(?<value>.*)"\.$""", RegexOptions.Singleline)]
    private static partial Regex BindFailed();

    [GeneratedRegex("""^Required parameter "(?<type>.+) (?<name>[^ "]+)" was not provided from (?<source>.+)\.$""", RegexOptions.Singleline)]
    private static partial Regex NotProvided();

    [GeneratedRegex("""^The JSON property '(?<name>.+)' could not be mapped to any \.NET member contained in type '(?<type>.+)'\.$""", RegexOptions.Singleline)]
    private static partial Regex Unmapped();

    [GeneratedRegex("""^Duplicate property '(?<name>.+)' encountered during deserialization""", RegexOptions.Singleline)]
    private static partial Regex Duplicate();

    [GeneratedRegex("""^The JSON value could not be converted to (?<type>.+)\.$""", RegexOptions.Singleline)]
    private static partial Regex ConversionFailed();

    [GeneratedRegex("""^Nullable<(?<inner>.+)>$""")]
    private static partial Regex NullableOf();
}
