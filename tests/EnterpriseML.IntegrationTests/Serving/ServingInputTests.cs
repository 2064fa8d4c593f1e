using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EnterpriseML.Api.Serving;
using EnterpriseML.IntegrationTests.Infrastructure;

namespace EnterpriseML.IntegrationTests.Serving;

/// <summary>Values and query parameters the serving routes must refuse (or read) the way their CSV and predict siblings do.</summary>
public sealed class ServingInputTests
{
    [Fact]
    public async Task Predict_NonFiniteNumberAsString_Returns400NamingTheFieldWithOrWithoutExplain()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "serve");
        using var api = new ApiHost(scope);
        using var client = await CreditClientAsync(api);

        foreach (var value in new[] { "Infinity", "-Infinity", "1e39", "-1e39", "NAN" })
        {
            foreach (var query in new[] { "", "?explain=true" })
            {
                var rows = ServingModels.CreditRows(1);
                rows[0]["duration"] = value;
                using var response = await client.PostAsJsonAsync("/api/models/credit/predict" + query, new { rows });
                var text = await response.Content.ReadAsStringAsync();
                Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{value}{query}: {(int)response.StatusCode} {text}");
                var errors = JsonDocument.Parse(text).RootElement.GetProperty("errors");
                var message = Assert.Single(errors.EnumerateObject());
                Assert.Equal("rows[0].duration", message.Name);
                Assert.Equal($"Expected a number within the range of a 32-bit float, found '{value}'.", message.Value[0].GetString());
            }
        }
    }

    [Fact]
    public async Task Predict_MissingMarkerString_IsAMissingValueAsInCsvScoring()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "serve");
        using var api = new ApiHost(scope);
        using var client = await CreditClientAsync(api);

        var missing = ServingModels.CreditRows(1);
        missing[0]["duration"] = null!;
        var expected = await ProbabilityAsync(client, missing);
        Assert.NotEqual(await ProbabilityAsync(client, ServingModels.CreditRows(1)), expected);

        // A CSV body reads NaN, NA, N/A, null, ? and an empty field as a missing value; a JSON string does the same.
        foreach (var marker in new[] { "NaN", "nan", "NA", "N/A", "null", "?", "" })
        {
            var rows = ServingModels.CreditRows(1);
            rows[0]["duration"] = marker;
            Assert.Equal(expected, await ProbabilityAsync(client, rows));
        }

        var sample = ServingModels.CreditSample(1).Split('\n');
        var header = sample[0].Split(',');
        var cells = sample[1].Split(',');
        cells[Array.IndexOf(header, "duration")] = "NaN";
        using var csv = await client.PostAsync("/api/models/credit/predict", new StringContent(sample[0] + "\n" + string.Join(',', cells) + "\n", Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        var line = (await csv.Content.ReadAsStringAsync()).Split('\n')[1].TrimEnd('\r');
        Assert.Equal(expected, float.Parse(line.Split(',')[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// A JSON body that does not parse was a 400 titled "Invalid JSON" whose detail carried System.Text.Json's reader
    /// message with its 0-based "LineNumber: 0 | BytePositionInLine: 22"; every other route says
    /// "Request body: invalid JSON at line 1, position 23: ..." (from 1). Now predict says the same, empty bodies too.
    /// </summary>
    [Fact]
    public async Task Predict_BodyThatIsNotJson_Returns400WordedAsEveryOtherRoute()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "serve");
        using var api = new ApiHost(scope);
        using var client = await CreditClientAsync(api);

        using var broken = await client.PostAsync("/api/models/credit/predict", new StringContent("{\"rows\":[{\"duration\": }]}", Encoding.UTF8, "application/json"));
        await AssertProblemAsync(broken, "Invalid request body", "Request body: invalid JSON at line 1, position 23: '}' is an invalid start of a value.");
        using var secondLine = await client.PostAsync("/api/models/credit/predict", new StringContent("{\"rows\":\n  [tru]}", Encoding.UTF8, "application/json"));
        var detail = JsonDocument.Parse(await secondLine.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString()!;
        Assert.StartsWith("Request body: invalid JSON at line 2, position ", detail, StringComparison.Ordinal);
        foreach (var empty in new[] { "", "  \n" })
        {
            using var response = await client.PostAsync("/api/models/credit/predict", new StringContent(empty, Encoding.UTF8, "application/json"));
            await AssertProblemAsync(response, "Invalid request body", "Request body: empty; expected a JSON object.");
        }

        // The same body on a route that binds it with System.Text.Json gives the same words.
        using var promote = await client.PostAsync("/api/models/credit/versions/1/promote", new StringContent("{\"reason\": }", Encoding.UTF8, "application/json"));
        Assert.StartsWith("Request body: invalid JSON at line 1, position ", JsonDocument.Parse(await promote.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// A row naming a column twice was scored with the last value, silently, even when the first was not of the column's
    /// type. Which one the caller meant cannot be told: the row is a 400 naming the field.
    /// </summary>
    [Fact]
    public async Task Predict_ColumnGivenTwiceInARow_Returns400NamingTheField()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "serve");
        using var api = new ApiHost(scope);
        using var client = await CreditClientAsync(api);

        var rows = ServingModels.CreditRows(2).Select(r => JsonSerializer.Serialize(r)).ToArray();
        var twice = "{\"duration\":\"bad\"," + rows[1][1..];
        using var response = await client.PostAsync("/api/models/credit/predict", new StringContent($"{{\"rows\":[{rows[0]},{twice}]}}", Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        var errors = JsonDocument.Parse(text).RootElement.GetProperty("errors");
        var error = Assert.Single(errors.EnumerateObject());
        Assert.Equal("rows[1].duration", error.Name);
        Assert.Equal("Column 'duration' is given more than once in this row; give it once.", error.Value[0].GetString());
    }

    /// <summary>
    /// A JSON string for a categorical column was taken as it came, while training and a CSV body trim spaces and tabs
    /// and read a missing marker as missing: " <0 " was an unseen level and the same applicant scored differently by
    /// JSON and by CSV. Now both read it alike.
    /// </summary>
    [Fact]
    public async Task Predict_CategoricalStringWithBlanksOrMissingMarker_ScoredAsTheSameCsvField()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "serve");
        using var api = new ApiHost(scope);
        using var client = await CreditClientAsync(api);

        var sample = ServingModels.CreditSample(1).Split('\n');
        var header = sample[0].Split(',');
        var column = Array.IndexOf(header, "checking_status");
        foreach (var (json, csv) in new[] { (" <0 ", " <0 "), ("\t<0", "\t<0"), ("NA", "NA"), (" ? ", "?"), ("", "") })
        {
            var rows = ServingModels.CreditRows(1);
            rows[0]["checking_status"] = json;
            var cells = sample[1].Split(',');
            cells[column] = csv;
            using var response = await client.PostAsync("/api/models/credit/predict", new StringContent(sample[0] + "\n" + string.Join(',', cells) + "\n", Encoding.UTF8, "text/csv"));
            var output = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, output);
            var expected = float.Parse(output.Split('\n')[1].Split(',')[1], System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(expected == await ProbabilityAsync(client, rows), $"'{json}': JSON and CSV scores differ");
        }

        var trimmed = ServingModels.CreditRows(1);
        trimmed[0]["checking_status"] = "<0";
        var padded = ServingModels.CreditRows(1);
        padded[0]["checking_status"] = " <0 ";
        Assert.Equal(await ProbabilityAsync(client, trimmed), await ProbabilityAsync(client, padded));
        var marker = ServingModels.CreditRows(1);
        marker[0]["checking_status"] = "N/A";
        var missing = ServingModels.CreditRows(1);
        missing[0]["checking_status"] = null!;
        Assert.Equal(await ProbabilityAsync(client, missing), await ProbabilityAsync(client, marker));
    }

    /// <summary>
    /// A JSON predict body was held whole in memory before its rows were counted, up to the upload limit (1 GiB): a few
    /// rows padded with a large unused field were read, parsed and answered 200. Beyond Serving:MaxJsonBodyBytes it is
    /// now a 413 saying so; a CSV body, which is streamed, is not bound by it.
    /// </summary>
    [Fact]
    public async Task Predict_JsonBodyBeyondMaxJsonBodyBytes_Returns413WhileCsvStillScores()
    {
        const int Limit = 64 << 10;
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "serve");
        using var api = new ApiHost(scope, new() { ["Serving:MaxJsonBodyBytes"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        using var client = await CreditClientAsync(api);

        using var padded = await client.PostAsJsonAsync("/api/models/credit/predict", new { rows = ServingModels.CreditRows(1), note = new string('x', 2 * Limit) });
        await AssertProblemAsync(padded, "Request body too large",
            "Request body: more than 65,536 bytes of JSON (Serving:MaxJsonBodyBytes). Send CSV (Content-Type: text/csv), which is streamed, for larger batches.",
            HttpStatusCode.RequestEntityTooLarge);

        using var small = await client.PostAsJsonAsync("/api/models/credit/predict", new { rows = ServingModels.CreditRows(10) });
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        var csv = ServingModels.CreditSample(1000);
        Assert.True(csv.Length > 2 * Limit);
        using var streamed = await client.PostAsync("/api/models/credit/predict", new StringContent(csv, Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.OK, streamed.StatusCode);
        Assert.Equal(1001, (await streamed.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    /// <summary>
    /// A missing marker for a date-time column ("NA", "?", an empty string) was a 400 "expected an ISO 8601 date/time"
    /// in JSON, while a CSV body and training read it as a missing value. Now JSON reads it as CSV does.
    /// </summary>
    [Fact]
    public async Task Predict_DateTimeMissingMarkerString_IsAMissingValueAsInCsvScoring()
    {
        var model = await ServingModels.CreditWithDateAsync();
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "serve");
        using var api = new ApiHost(scope);
        using var admin = api.Client();
        var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "acme");
        await ServingModels.InsertVersionAsync(api, tenant, "dated", 1, "champion", model);
        using var client = api.Client(key);
        var schema = await client.GetFromJsonAsync<JsonElement>("/api/models/dated/schema");
        Assert.Contains(schema.GetProperty("inputs").EnumerateArray(), i => i.GetProperty("name").GetString() == ServingModels.DateColumn && i.GetProperty("type").GetString() == "datetime");

        var sample = ServingModels.CreditWithDateSample(1).Split('\n');
        var fields = sample[1].Split(',');
        var header = sample[0].Split(',');
        Dictionary<string, object?> Row(object? date)
        {
            var row = new Dictionary<string, object?>(StringComparer.Ordinal);
            for (var j = 0; j < header.Length; j++)
            {
                row[header[j]] = float.TryParse(fields[j], System.Globalization.CultureInfo.InvariantCulture, out var number) ? number : fields[j];
            }

            row[ServingModels.DateColumn] = date;
            return row;
        }

        async Task<string> PredictAsync(object? date)
        {
            using var response = await client.PostAsJsonAsync("/api/models/dated/predict", new { rows = new[] { Row(date) } });
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"'{date}': {(int)response.StatusCode} {text}");
            return JsonDocument.Parse(text).RootElement.GetProperty("predictions")[0].GetProperty("probability").GetRawText();
        }

        var missing = await PredictAsync(null);
        await PredictAsync("2019-01-01");
        fields[0] = "NA";
        using var csv = await client.PostAsync("/api/models/dated/predict", new StringContent(sample[0] + "\n" + string.Join(',', fields) + "\n", Encoding.UTF8, "text/csv"));
        var csvText = await csv.Content.ReadAsStringAsync();
        Assert.True(csv.StatusCode == HttpStatusCode.OK, csvText);
        Assert.Equal(float.Parse(missing, System.Globalization.CultureInfo.InvariantCulture), float.Parse(csvText.Split('\n')[1].Split(',')[1], System.Globalization.CultureInfo.InvariantCulture));
        foreach (var marker in new[] { "NA", "?", "", " null " })
        {
            Assert.Equal(missing, await PredictAsync(marker));
        }
    }

    /// <summary>
    /// A JSON date/time string was read with DateTime.TryParse, which takes far more than the CSV reader: "Jan 5 2019",
    /// "5 January 2019" or a bare "10:30" (today's date) were scored, while the same field of a CSV body was a 400 and
    /// training had read such a column as text. Now JSON takes exactly the forms a CSV body takes, and refuses the rest
    /// with a 400 naming rows[i].column, as a CSV body refuses them naming the line and column.
    /// </summary>
    [Fact]
    public async Task Predict_DateTimeString_ReadInTheFormsACsvBodyTakesOnly()
    {
        var model = await ServingModels.CreditWithDateAsync();
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "serve");
        using var api = new ApiHost(scope);
        using var admin = api.Client();
        var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "acme");
        await ServingModels.InsertVersionAsync(api, tenant, "dated", 1, "champion", model);
        using var client = api.Client(key);

        var sample = ServingModels.CreditWithDateSample(1).Split('\n');
        var header = sample[0].Split(',');
        var fields = sample[1].Split(',');
        Assert.Equal(ServingModels.DateColumn, header[0]);
        Dictionary<string, object?> Row(object? date)
        {
            var row = new Dictionary<string, object?>(StringComparer.Ordinal);
            for (var j = 0; j < header.Length; j++)
            {
                row[header[j]] = float.TryParse(fields[j], System.Globalization.CultureInfo.InvariantCulture, out var number) ? number : fields[j];
            }

            row[ServingModels.DateColumn] = date;
            return row;
        }

        Task<HttpResponseMessage> JsonAsync(object? date) => client.PostAsJsonAsync("/api/models/dated/predict", new { rows = new[] { Row(date) } });
        Task<HttpResponseMessage> CsvAsync(string date)
        {
            var cells = (string[])fields.Clone();
            cells[0] = date;
            return client.PostAsync("/api/models/dated/predict", new StringContent(sample[0] + "\n" + string.Join(',', cells) + "\n", Encoding.UTF8, "text/csv"));
        }

        foreach (var date in new[] { "2019-01-05", "2019/01/05", "01/05/2019", "2019-01-05 10:30", "2019-01-05T10:30:00Z", "2019-01-05T10:30:00+02:00", " 2019-01-05\t" })
        {
            using var json = await JsonAsync(date);
            var jsonText = await json.Content.ReadAsStringAsync();
            Assert.True(json.StatusCode == HttpStatusCode.OK, $"'{date}': {(int)json.StatusCode} {jsonText}");
            using var csv = await CsvAsync(date);
            var csvText = await csv.Content.ReadAsStringAsync();
            Assert.True(csv.StatusCode == HttpStatusCode.OK, $"'{date}': {(int)csv.StatusCode} {csvText}");
            Assert.Equal(
                float.Parse(csvText.Split('\n')[1].Split(',')[1], System.Globalization.CultureInfo.InvariantCulture),
                JsonDocument.Parse(jsonText).RootElement.GetProperty("predictions")[0].GetProperty("probability").GetSingle());
        }

        foreach (var date in new[] { "Jan 5 2019", "5 January 2019", "10:30", "2019-01", "5.1.2019", "２０１９-01-05" })
        {
            using var csv = await CsvAsync(date);
            var csvText = await csv.Content.ReadAsStringAsync();
            Assert.True(csv.StatusCode == HttpStatusCode.BadRequest, $"CSV '{date}': {(int)csv.StatusCode} {csvText}");
            Assert.Contains($"column '{ServingModels.DateColumn}' holds '{date}', which is not a date/time.", csvText, StringComparison.Ordinal);

            using var json = await JsonAsync(date);
            var jsonText = await json.Content.ReadAsStringAsync();
            Assert.True(json.StatusCode == HttpStatusCode.BadRequest, $"JSON '{date}': {(int)json.StatusCode} {jsonText}");
            var message = Assert.Single(JsonDocument.Parse(jsonText).RootElement.GetProperty("errors").EnumerateObject());
            Assert.Equal($"rows[0].{ServingModels.DateColumn}", message.Name);
            Assert.Equal($"Expected a date/time ({Engine.Data.SchemaInference.DateForms}), found '{date}'.", message.Value[0].GetString());
        }

        using var number = await JsonAsync(1546300800);
        var numberErrors = JsonDocument.Parse(await number.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        Assert.Equal(
            $"Expected a date/time string ({Engine.Data.SchemaInference.DateForms}), found 1546300800.",
            numberErrors.GetProperty($"rows[0].{ServingModels.DateColumn}")[0].GetString());
    }

    /// <summary>
    /// A predict body's top-level fields other than rows were skipped without a word, so {"rows": [...], "explain": true}
    /// was answered without explanations; every other route names a field it does not have. Now predict does too, and
    /// a second rows array (which was skipped) is refused likewise.
    /// </summary>
    [Fact]
    public async Task Predict_BodyFieldOtherThanRows_Returns400NamingIt()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "serve");
        using var api = new ApiHost(scope);
        using var client = await CreditClientAsync(api);

        using var explain = await client.PostAsJsonAsync("/api/models/credit/predict", new { rows = ServingModels.CreditRows(1), explain = true });
        await AssertProblemAsync(explain, "Invalid request body",
            "explain: not a field of this request; the fields are rows (options such as explain and version go in the query string).");
        var row = JsonSerializer.Serialize(ServingModels.CreditRows(1)[0]);
        using var twice = await client.PostAsync("/api/models/credit/predict", new StringContent($"{{\"rows\":[{row}],\"rows\":[{row},{row}]}}", Encoding.UTF8, "application/json"));
        await AssertProblemAsync(twice, "Invalid request body", "rows: given more than once; send one array of rows.");
        using var ok = await client.PostAsJsonAsync("/api/models/credit/predict?explain=true", new { rows = ServingModels.CreditRows(1) });
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    /// <summary>
    /// An unused column with a name outside printable ASCII (größe) was listed as it is in X-Ignored-Columns, which Kestrel
    /// refuses in a response header: the request, JSON or CSV, failed with a 500 instead of being scored. The name is
    /// now listed percent-encoded as UTF-8. Run on Kestrel, since the in-memory test server does not check headers.
    /// </summary>
    [Fact]
    public async Task Predict_UnusedColumnWithANonAsciiName_ScoredAndListedPercentEncoded()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "serve");
        using var api = new ApiHost(scope);
        api.UseKestrel(0);
        api.StartServer();
        using var client = await CreditClientAsync(api);

        var rows = ServingModels.CreditRows(1);
        rows[0]["größe"] = 180;
        rows[0]["note"] = "x";
        using var json = await client.PostAsJsonAsync("/api/models/credit/predict", new { rows });
        var text = await json.Content.ReadAsStringAsync();
        Assert.True(json.StatusCode == HttpStatusCode.OK, $"{(int)json.StatusCode}: {text}");
        Assert.Equal("gr%C3%B6%C3%9Fe,note", Assert.Single(json.Headers.GetValues(PredictionApi.IgnoredColumnsHeader)));

        var sample = ServingModels.CreditSample(2).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var body = string.Join('\n', sample.Select((line, i) => line + (i == 0 ? ",größe" : ",180"))) + "\n";
        using var csv = await client.PostAsync("/api/models/credit/predict", new StringContent(body, Encoding.UTF8, "text/csv"));
        var output = await csv.Content.ReadAsStringAsync();
        Assert.True(csv.StatusCode == HttpStatusCode.OK, $"{(int)csv.StatusCode}: {output}");
        Assert.Equal(3, output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal("gr%C3%B6%C3%9Fe", Assert.Single(csv.Headers.GetValues(PredictionApi.IgnoredColumnsHeader)));
    }

    /// <summary>
    /// A CSV body's records were cut at LF only: a body with lone-CR line ends (which the reader accepts) was never cut,
    /// so all of it was buffered before the first row was scored, and the line count behind later blocks' error lines
    /// missed its line ends. Now LF, CRLF and lone CR all end a record and a line, and a CRLF split between two reads
    /// is not taken for two line ends.
    /// </summary>
    [Fact]
    public void CsvScoring_RecordEndsAndLineCounts_TreatLfCrlfAndLoneCrAlike()
    {
        var body = "a,b\rc,\"x\ry\"\r\ne,f\rg"u8;
        Assert.Equal(body.IndexOf("g"u8), CsvScoringSession.LastRecordEnd(body));
        Assert.Equal(4, CsvScoringSession.CountLineEnds(body)); // the CR inside quotes is a line of the file too
        // A CR as the last byte read so far may be the first half of a CRLF: not a record end yet.
        Assert.Equal("a,b\r".Length, CsvScoringSession.LastRecordEnd("a,b\rc,d\r"u8));
        Assert.Equal("a,b\r\nc,d\r\n".Length, CsvScoringSession.LastRecordEnd("a,b\r\nc,d\r\n"u8));
        Assert.Equal(2, CsvScoringSession.CountLineEnds("a\r\nb\r\n"u8));
        Assert.Equal(2, CsvScoringSession.CountLineEnds("a\rb\r"u8));
    }

    /// <summary>Bodies of several 4 MiB blocks score the same with LF, CRLF or lone-CR line ends, and an error past the first block names its line.</summary>
    [Fact]
    public async Task PredictCsv_LineEndsOfAnyStyleOverSeveralBlocks_SameScoresAndErrorLines()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "serve");
        using var api = new ApiHost(scope);
        using var client = await CreditClientAsync(api);

        var lines = ServingModels.CreditSample(1000).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var rows = Enumerable.Range(0, 40).SelectMany(_ => lines.Skip(1)).ToList();
        Assert.True(rows.Sum(r => r.Length + 1) > 1.2 * CsvScoringSession.BlockBytes, "the body must span more than one block");
        string? expected = null;
        foreach (var end in new[] { "\n", "\r\n", "\r" })
        {
            var text = lines[0] + end + string.Join(end, rows) + end;
            using var response = await client.PostAsync("/api/models/credit/predict", new StringContent(text, Encoding.UTF8, "text/csv"));
            var output = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{end.Replace("\r", "CR", StringComparison.Ordinal)}: {output}");
            expected ??= output;
            Assert.Equal(expected, output);

            var bad = rows.ToList();
            var badIndex = rows.Count - 5;
            bad[badIndex] = "x" + bad[badIndex][bad[badIndex].IndexOf(',', StringComparison.Ordinal)..] + ",extra";
            using var refused = await client.PostAsync("/api/models/credit/predict", new StringContent(lines[0] + end + string.Join(end, bad) + end, Encoding.UTF8, "text/csv"));
            var problem = await refused.Content.ReadAsStringAsync();
            Assert.True(refused.StatusCode == HttpStatusCode.BadRequest, problem);
            Assert.Contains($"line {badIndex + 2}", problem, StringComparison.Ordinal);
        }

        Assert.Equal(rows.Count + 1, expected!.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task Predict_JsonBooleanForANumber_Returns400NamingTheField()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "serve");
        using var api = new ApiHost(scope);
        using var client = await CreditClientAsync(api);

        var rows = ServingModels.CreditRows(2);
        rows[0]["duration"] = true;
        rows[1]["age"] = false;
        using var response = await client.PostAsJsonAsync("/api/models/credit/predict", new { rows });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Equal("Expected a number, found a JSON boolean (true).", errors.GetProperty("rows[0].duration")[0].GetString());
        Assert.Equal("Expected a number, found a JSON boolean (false).", errors.GetProperty("rows[1].age")[0].GetString());
        Assert.Equal(2, errors.EnumerateObject().Count());
    }

    [Fact]
    public async Task RecommendationsAndSimilar_TopOutOfRange_Return400NamingTopAndTheRange()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "serve");
        using var api = new ApiHost(scope);
        using var admin = api.Client();
        var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "acme");
        await ServingModels.InsertVersionAsync(api, tenant, "scotch", 1, "champion", await ServingModels.ScotchItemKnnAsync());
        using var client = api.Client(key);

        foreach (var route in new[] { "/api/models/scotch/recommendations/1", "/api/models/scotch/similar/Chivas.Regal" })
        {
            foreach (var top in new[] { 0, -5, 1001 })
            {
                using var response = await client.GetAsync($"{route}?top={top}");
                Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
                Assert.Equal(
                    $"Query parameter 'top': {top} is out of range; it must be between 1 and 1000 (default 10).",
                    (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
            }

            var edge = await client.GetFromJsonAsync<JsonElement>($"{route}?top=1");
            Assert.Single(edge.GetProperty("items").EnumerateArray());
            var all = await client.GetFromJsonAsync<JsonElement>($"{route}?top=1000");
            Assert.True(all.GetProperty("items").GetArrayLength() > 10);
        }
    }

    [Fact]
    public async Task RecommendationsAndSimilar_Version_ServesThatVersionOr404LikePredict()
    {
        var model = await ServingModels.ScotchItemKnnAsync();
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "serve");
        using var api = new ApiHost(scope);
        using var admin = api.Client();
        var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "acme");
        await ServingModels.InsertVersionAsync(api, tenant, "scotch", 1, "archived", model);
        await ServingModels.InsertVersionAsync(api, tenant, "scotch", 2, "champion", model);
        using var client = api.Client(key);

        foreach (var route in new[] { "/api/models/scotch/recommendations/1", "/api/models/scotch/similar/Chivas.Regal" })
        {
            Assert.Equal(2, (await client.GetFromJsonAsync<JsonElement>(route)).GetProperty("version").GetInt32());
            Assert.Equal(1, (await client.GetFromJsonAsync<JsonElement>(route + "?version=1")).GetProperty("version").GetInt32());

            using var unknown = await client.GetAsync(route + "?version=99");
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
            Assert.Equal("Model 'scotch' has no version 99 in your tenant.", (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        }
    }

    [Fact]
    public async Task ServingRoutes_QueryValueOfTheWrongType_Return400NamingTheParameter()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "serve");
        using var api = new ApiHost(scope);
        using var admin = api.Client();
        var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "acme");
        await ServingModels.InsertVersionAsync(api, tenant, "credit", 1, "champion", await ServingModels.CreditGbdtAsync());
        await ServingModels.InsertVersionAsync(api, tenant, "scotch", 1, "champion", await ServingModels.ScotchItemKnnAsync());
        using var client = api.Client(key);

        using var version = await client.PostAsJsonAsync("/api/models/credit/predict?version=abc", new { rows = ServingModels.CreditRows(1) });
        await AssertProblemAsync(version, "Invalid query parameter", "Query parameter 'version': 'abc' is not an integer.");
        using var explain = await client.PostAsJsonAsync("/api/models/credit/predict?explain=yes", new { rows = ServingModels.CreditRows(1) });
        await AssertProblemAsync(explain, "Invalid query parameter", "Query parameter 'explain': 'yes' is not true or false.");
        using var top = await client.GetAsync("/api/models/scotch/recommendations/1?top=abc");
        await AssertProblemAsync(top, "Invalid query parameter", "Query parameter 'top': 'abc' is not an integer.");
        using var similarTop = await client.GetAsync("/api/models/scotch/similar/Chivas.Regal?top=1.5");
        await AssertProblemAsync(similarTop, "Invalid query parameter", "Query parameter 'top': '1.5' is not an integer.");
    }

    internal static async Task AssertProblemAsync(HttpResponseMessage response, string title, string detail, HttpStatusCode status = HttpStatusCode.BadRequest)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.Equal(title, problem.GetProperty("title").GetString());
        Assert.Equal(detail, problem.GetProperty("detail").GetString());
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
    }

    private static async Task<HttpClient> CreditClientAsync(ApiHost api)
    {
        using var admin = api.Client();
        var (tenant, key) = await ServingModels.CreateTenantAsync(admin, "acme");
        await ServingModels.InsertVersionAsync(api, tenant, "credit", 1, "champion", await ServingModels.CreditGbdtAsync());
        return api.Client(key);
    }

    private static async Task<float> ProbabilityAsync(HttpClient client, List<Dictionary<string, object>> rows)
    {
        using var response = await client.PostAsJsonAsync("/api/models/credit/predict?explain=true", new { rows });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("predictions")[0].GetProperty("probability").GetSingle();
    }
}
