using System.Text.Encodings.Web;
using System.Text.Json;

namespace EnterpriseML.Cli.Commands;

/// <summary>
/// The one set of encoder settings every <c>--json</c> output of the CLI is written with: ids and paths print as they
/// are (ünï, c"d), not as <c>\u</c> escapes, so the line a terminal shows is the text the user typed or the model holds.
/// It is the encoder <see cref="Engine.AutoML.ReportJson"/> writes <c>eml automl --json</c> with.
/// </summary>
internal static class CliJson
{
    private static readonly JavaScriptEncoder Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    /// <summary>For a <see cref="Utf8JsonWriter"/>.</summary>
    public static JsonWriterOptions WriterOptions => new() { Encoder = Encoder };

    /// <summary>For <see cref="JsonSerializer"/>.</summary>
    public static readonly JsonSerializerOptions SerializerOptions = new() { Encoder = Encoder };
}
