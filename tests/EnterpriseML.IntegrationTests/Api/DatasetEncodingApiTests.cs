using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EnterpriseML.Cli.Commands;
using EnterpriseML.IntegrationTests.Cli;
using EnterpriseML.IntegrationTests.Infrastructure;
using EnterpriseML.IntegrationTests.Serving;
using EnterpriseML.Registry;
using Microsoft.Extensions.DependencyInjection;

namespace EnterpriseML.IntegrationTests.Api;

/// <summary>
/// CSV text in Windows-1252, ISO-8859-1 and UTF-16 through the HTTP API: a dataset upload with an <c>encoding</c> field
/// is stored as its UTF-8 text (the same bytes, and so the same SHA-256 and one stored copy, as the UTF-8 upload) and
/// reports the upload's encoding; a CSV body to predict is read in its Content-Type's charset. The files are the
/// shared sentiment file written by .NET's own encoders.
/// </summary>
public sealed class DatasetEncodingApiTests
{
    private static readonly Encoding Windows1252 = CodePagesEncodingProvider.Instance.GetEncoding(1252)!;

    private static MultipartFormDataContent Form(byte[] bytes, string name, string? encoding)
    {
        var form = DatasetsApiTests.Form(bytes, "sentiment.csv", name);
        if (encoding is not null)
        {
            form.Add(new StringContent(encoding), "encoding");
        }

        return form;
    }

    private static async Task<JsonElement> UploadAsync(HttpClient client, byte[] bytes, string name, string? encoding)
    {
        using var response = await client.PostAsync("/api/datasets", Form(bytes, name, encoding));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>
    /// Storage:MaxUploadBytes set to long.MaxValue, "no limit": the limit on the transcoded text (three bytes per
    /// uploaded byte) and the server's request limit (plus 1 MiB for the form) saturate. Both had wrapped to negative
    /// numbers: every upload was a 413, "larger than the configured limit of 9,223,372,036,854,775,807 bytes".
    /// </summary>
    [Fact]
    public async Task Upload_WithTheUploadLimitAtItsMaximum_StillTranscodes()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "nolimit");
        using var api = new ApiHost(scope, new() { ["Storage:MaxUploadBytes"] = long.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        using var client = api.Client();
        var text = CliEncodingTests.SentimentText();

        var fromUtf8 = await UploadAsync(client, Encoding.UTF8.GetBytes(text), "utf8", null);
        var fromCp1252 = await UploadAsync(client, Windows1252.GetBytes(text), "cp1252", "windows-1252");

        Assert.Equal("windows-1252", fromCp1252.GetProperty("encoding").GetString());
        Assert.Equal(fromUtf8.GetProperty("sha256").GetString(), fromCp1252.GetProperty("sha256").GetString());
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task Upload_OtherEncodings_StoredAsTheUtf8Text_ReportingTheUploadsEncoding(Backend backend)
    {
        await using var scope = await BackendScope.CreateAsync(backend, "enc");
        using var api = new ApiHost(scope);
        using var client = api.Client();
        var text = CliEncodingTests.SentimentText();
        var utf8 = Encoding.UTF8.GetBytes(text);
        var original = await File.ReadAllBytesAsync(TestPaths.Dataset("sentiment-uci-labelled-sentences.csv"));

        var fromUtf8 = await UploadAsync(client, utf8, "utf8", null);
        var uploads = new (string Name, byte[] Bytes, string? Field, string Reported)[]
        {
            ("cp1252", Windows1252.GetBytes(text), "windows-1252", "windows-1252"),
            ("cp1252-alias", Windows1252.GetBytes(text), "CP1252", "windows-1252"),
            ("utf16-mark", [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(text)], null, "utf-16"),
            ("utf16be", Encoding.BigEndianUnicode.GetBytes(text), "utf-16be", "utf-16be"),
            ("utf8-given", utf8, "UTF-8", "utf-8"),
        };

        Assert.Equal("utf-8", fromUtf8.GetProperty("encoding").GetString());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(utf8)), fromUtf8.GetProperty("sha256").GetString());
        foreach (var (name, bytes, field, reported) in uploads)
        {
            var dataset = await UploadAsync(client, bytes, name, field);
            Assert.Equal(reported, dataset.GetProperty("encoding").GetString());
            Assert.Equal(fromUtf8.GetProperty("sha256").GetString(), dataset.GetProperty("sha256").GetString());
            Assert.Equal(fromUtf8.GetProperty("rowCount").GetInt64(), dataset.GetProperty("rowCount").GetInt64());
            Assert.Equal(fromUtf8.GetProperty("columns").GetRawText(), dataset.GetProperty("columns").GetRawText());
            var stored = await client.GetFromJsonAsync<JsonElement>($"/api/datasets/{dataset.GetProperty("id").GetString()}");
            Assert.Equal(reported, stored.GetProperty("encoding").GetString());
        }

        // The shared file as Latin-1 (its few C1 controls are bytes 0x80–0x9F there): stored as the shared file's own bytes.
        var latin1 = await UploadAsync(client, Encoding.Latin1.GetBytes(Encoding.UTF8.GetString(original)), "latin1", "latin1");
        Assert.Equal("iso-8859-1", latin1.GetProperty("encoding").GetString());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(original)), latin1.GetProperty("sha256").GetString());

        // Two contents: the repaired text and the original; the stored bytes are the UTF-8 text.
        var store = api.Services.GetRequiredService<DatasetStore>();
        Assert.Equal(2, await store.ContentCountAsync());
        using var content = new MemoryStream();
        await store.CopyContentAsync(fromUtf8.GetProperty("sha256").GetString()!, content);
        Assert.Equal(utf8, content.ToArray());
    }

    [Fact]
    public async Task Upload_BadEncodingFields_400NamingTheField_NotUtf8NamesTheField()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "encbad");
        using var api = new ApiHost(scope);
        using var client = api.Client();
        var bytes = Windows1252.GetBytes("name,city\nJosé,Zürich\n");

        using (var response = await client.PostAsync("/api/datasets", Form(bytes, "people", "ebcdic")))
        {
            await AssertFieldProblemAsync(response, "encoding", "encoding: unknown text encoding 'ebcdic'; the encodings are utf-8, utf-16, utf-16le, utf-16be, windows-1252 (or cp1252), iso-8859-1 (or latin1).");
        }

        using var twice = Form(bytes, "people", "windows-1252");
        twice.Add(new StringContent("latin1"), "encoding");
        using (var response = await client.PostAsync("/api/datasets", twice))
        {
            await AssertFieldProblemAsync(response, "encoding", "The form has 2 'encoding' fields; an upload stores one file as one dataset: send each file in its own request.");
        }

        using var misspelt = Form(bytes, "people", null);
        misspelt.Add(new StringContent("windows-1252"), "encodng");
        using (var response = await client.PostAsync("/api/datasets", misspelt))
        {
            await AssertFieldProblemAsync(response, "encodng", "'encodng': not a field of this upload; the fields are 'file', 'name' and 'encoding'.");
        }

        using (var response = await client.PostAsync("/api/datasets", Form(bytes, "people", null)))
        {
            await ServingInputTests.AssertProblemAsync(response, "Invalid CSV",
                "people, line 2, column 4: the input is not UTF-8 text: field 1 holds byte 0xE9 ('é' in Windows-1252) at byte offset 13; "
                + "if the file is Windows-1252 or ISO-8859-1 text (Excel on Windows often saves CSV files so), set the upload's 'encoding' field to windows-1252 or iso-8859-1; otherwise save it as UTF-8.");
        }

        // UTF-16 that is not: a lone high surrogate in the second field of line 2.
        byte[] broken = [.. Encoding.Unicode.GetBytes("name,city\nJosé,"), 0x3D, 0xD8, .. Encoding.Unicode.GetBytes("x\n")];
        using (var response = await client.PostAsync("/api/datasets", Form(broken, "people", "utf-16")))
        {
            await ServingInputTests.AssertProblemAsync(response, "Invalid CSV",
                "people, line 2, column 6: the input is not valid utf-16 text: bytes 0x3D 0xD8 0x78 0x00 at byte offset 30 are a high surrogate (U+D83D) followed by U+0078 instead of a low surrogate.");
        }

        var store = api.Services.GetRequiredService<DatasetStore>();
        Assert.Equal(0, await store.ContentCountAsync());
    }

    /// <summary>
    /// A sentiment model scores the same CSV the same whether the body is UTF-8, Windows-1252 or UTF-16 with its
    /// charset named (or a UTF-16 byte-order mark); a Windows-1252 body without a charset is a 400 naming the byte and
    /// the charset parameter, an unknown charset a 415.
    /// </summary>
    [Fact]
    public async Task Predict_CsvBodyInItsCharset_SamePredictions()
    {
        var directory = Directory.CreateTempSubdirectory("eml-encoding-serve-").FullName;
        try
        {
            var text = CliEncodingTests.SentimentText();
            var train = Path.Combine(directory, "sentiment.csv");
            await File.WriteAllTextAsync(train, text, new UTF8Encoding(false));
            var model = new FileInfo(Path.Combine(directory, "sentiment.eml"));
            TrainCommand.Run(new(new FileInfo(train), null, "label", null, null, "logistic-regression", [], ["source"], [], [], 42, 1, model, true), _ => { }, CancellationToken.None);

            await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "encserve");
            using var api = new ApiHost(scope);
            using var admin = api.Client();
            var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "acme");
            await ServingModels.InsertVersionAsync(api, tenant, "sentiment", 1, "champion", model.FullName);
            using var client = api.Client(key);

            async Task<(HttpStatusCode Status, string Body)> PredictAsync(byte[] body, string contentType)
            {
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
                using var response = await client.PostAsync("/api/models/sentiment/predict", content);
                return (response.StatusCode, await response.Content.ReadAsStringAsync());
            }

            var utf8 = await PredictAsync(Encoding.UTF8.GetBytes(text), "text/csv");
            Assert.True(utf8.Status == HttpStatusCode.OK, utf8.Body);
            Assert.Equal(3001, utf8.Body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
            foreach (var (body, contentType) in new[]
            {
                (Windows1252.GetBytes(text), "text/csv; charset=windows-1252"),
                (Windows1252.GetBytes(text), "text/csv; charset=\"CP1252\""),
                (Encoding.Unicode.GetBytes(text), "text/csv; charset=utf-16le"),
                ([.. Encoding.BigEndianUnicode.GetPreamble(), .. Encoding.BigEndianUnicode.GetBytes(text)], "text/csv; charset=utf-16"),
                ([.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(text)], "text/csv"),
                (Encoding.UTF8.GetBytes(text), "text/csv; charset=utf-8"),
            })
            {
                var other = await PredictAsync(body, contentType);
                Assert.True(other.Status == HttpStatusCode.OK, $"{contentType}: {other.Body}");
                Assert.Equal(utf8.Body, other.Body);
            }

            // US-ASCII is UTF-8's first 128 characters: a client that names it (.NET's Encoding.ASCII, Java's US-ASCII)
            // was answered before charsets were read and still is, its body read as UTF-8.
            var ascii = new string([.. text.Select(c => c < 0x80 ? c : '-')]);
            var asciiUtf8 = await PredictAsync(Encoding.UTF8.GetBytes(ascii), "text/csv");
            foreach (var contentType in new[] { "text/csv; charset=us-ascii", "text/csv; charset=ASCII" })
            {
                var declared = await PredictAsync(Encoding.ASCII.GetBytes(ascii), contentType);
                Assert.True(declared.Status == HttpStatusCode.OK, $"{contentType}: {declared.Body}");
                Assert.Equal(asciiUtf8.Body, declared.Body);
            }

            var (status, problem) = await PredictAsync(Windows1252.GetBytes(text), "text/csv");
            Assert.Equal(HttpStatusCode.BadRequest, status);
            var at = text.IndexOf(text.First(c => c >= 0x80));
            var line = text[..at].Count(c => c == '\n') + 1;
            Assert.Equal(
                $"request body, line {line}, column {at - text.LastIndexOf('\n', at)}: the input is not UTF-8 text: field 2 holds byte 0x96 ('–' in Windows-1252) at byte offset {at}; "
                + "if the file is Windows-1252 or ISO-8859-1 text (Excel on Windows often saves CSV files so), set the Content-Type's charset parameter to windows-1252 or iso-8859-1; otherwise save it as UTF-8.",
                JsonDocument.Parse(problem).RootElement.GetProperty("detail").GetString());

            // Past the first block of rows the session scores (4,096): the line and the byte offset are still the body's.
            var asciiLines = ascii.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var prefix = asciiLines[0] + "\n" + string.Concat(Enumerable.Repeat(string.Concat(asciiLines.Skip(1).Select(l => l + "\n")), 2));
            var late = prefix + "x,caf\u00e9,1\n";
            var (lateStatus, lateProblem) = await PredictAsync(Windows1252.GetBytes(late), "text/csv");
            Assert.Equal(HttpStatusCode.BadRequest, lateStatus);
            Assert.Equal(
                $"request body, line {prefix.Count(c => c == '\n') + 1}, column 6: the input is not UTF-8 text: field 2 holds byte 0xE9 ('\u00e9' in Windows-1252) at byte offset {prefix.Length + 5}; "
                + "if the file is Windows-1252 or ISO-8859-1 text (Excel on Windows often saves CSV files so), set the Content-Type's charset parameter to windows-1252 or iso-8859-1; otherwise save it as UTF-8.",
                JsonDocument.Parse(lateProblem).RootElement.GetProperty("detail").GetString());

            var (unknownStatus, unknown) = await PredictAsync(Encoding.UTF8.GetBytes(text), "text/csv; charset=shift_jis");
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, unknownStatus);
            Assert.Equal(
                "Content-Type: charset 'shift_jis' is not an encoding a CSV body can be read in; the charsets are utf-8, utf-16, utf-16le, utf-16be, windows-1252 (or cp1252), iso-8859-1 (or latin1).",
                JsonDocument.Parse(unknown).RootElement.GetProperty("detail").GetString());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static Task AssertFieldProblemAsync(HttpResponseMessage response, string field, string detail) =>
        DatasetsApiTests.AssertFieldProblemAsync(response, field, detail);
}
