using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EnterpriseML.IntegrationTests.Infrastructure;
using EnterpriseML.IntegrationTests.Serving;
using EnterpriseML.Registry;
using Microsoft.Extensions.DependencyInjection;

namespace EnterpriseML.IntegrationTests.Api;

/// <summary>Dataset upload, listing, dedup and deletion through the real API, on SQLite and on PostgreSQL.</summary>
public sealed class DatasetsApiTests
{
    public static TheoryData<Backend, string, int, int> SharedDatasets()
    {
        var data = new TheoryData<Backend, string, int, int>();
        (string File, int Rows, int Columns)[] files =
        [
            ("credit-german-statlog.csv", 1000, 21),
            ("fraud-sensor-anomaly-singlehop.csv", 18914, 6),
            ("fraud-coil2000-caravan.csv", 9822, 86),
            ("sentiment-uci-labelled-sentences.csv", 3000, 3),
            ("recsys-movielens-small.csv", 100004, 7),
            ("recsys-scotch-implicit.csv", 5085, 2),
            ("tabular-telco-churn.csv", 7043, 20),
            ("tabular-diamonds.csv", 53940, 10),
            ("flights-1m.test.csv.gz", 250000, 8),
        ];
        foreach (var backend in new[] { Backend.Sqlite, Backend.Postgres })
        {
            foreach (var (file, rows, columns) in files)
            {
                data.Add(backend, file, rows, columns);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SharedDatasets))]
    public async Task Upload_SharedDataset_ReportsRowAndColumnCounts(Backend backend, string file, int rows, int columns)
    {
        await using var scope = await BackendScope.CreateAsync(backend, "ds");
        using var api = new ApiHost(scope);
        using var client = api.Client();

        var bytes = await ReadDatasetAsync(file);
        using var response = await client.PostAsync("/api/datasets", Form(bytes, file.Replace(".gz", "", StringComparison.Ordinal)));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        using var json = JsonDocument.Parse(body);
        Assert.Equal(rows, json.RootElement.GetProperty("rowCount").GetInt64());
        Assert.Equal(columns, json.RootElement.GetProperty("columns").GetArrayLength());
        Assert.Equal(64, json.RootElement.GetProperty("sha256").GetString()!.Length);

        var id = json.RootElement.GetProperty("id").GetString();
        using var get = await client.GetAsync($"/api/datasets/{id}");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task Upload_SameFileTwice_StoresContentOnce(Backend backend)
    {
        await using var scope = await BackendScope.CreateAsync(backend, "dedup");
        using var api = new ApiHost(scope);
        using var client = api.Client();
        var bytes = await File.ReadAllBytesAsync(TestPaths.Dataset("credit-german-statlog.csv"));

        using var first = await client.PostAsync("/api/datasets", Form(bytes, "credit.csv", "credit-a"));
        using var second = await client.PostAsync("/api/datasets", Form(bytes, "credit.csv", "credit-b"));
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);

        var store = api.Services.GetRequiredService<DatasetStore>();
        Assert.Equal(1, await store.ContentCountAsync());
        var list = await client.GetFromJsonAsync<JsonElement>("/api/datasets");
        Assert.Equal(2, list.GetProperty("total").GetInt64());

        var id = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        using var deleted = await client.DeleteAsync($"/api/datasets/{id}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(1, await store.ContentCountAsync());
        using var missing = await client.GetAsync($"/api/datasets/{id}");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    /// <summary>
    /// Uploads of the same new bytes at once each found no stored content and all inserted its chunks: on PostgreSQL
    /// every one but the first failed on the primary key with a 500. Then deletes of the datasets sharing the bytes
    /// race uploads of them: each request succeeds and the content stays readable while a dataset uses it.
    /// </summary>
    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task Upload_SameNewFileConcurrently_EveryUploadStoredAndTheContentOnce(Backend backend)
    {
        const int Uploads = 6;
        await using var scope = await BackendScope.CreateAsync(backend, "dedupc");
        using var api = new ApiHost(scope);
        using var client = api.Client();
        var bytes = await File.ReadAllBytesAsync(TestPaths.Dataset("credit-german-statlog.csv"));

        async Task<string> UploadAsync(int i)
        {
            using var response = await client.PostAsync("/api/datasets", Form(bytes, "credit.csv", $"credit-{i}"));
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Created, $"upload {i}: {(int)response.StatusCode} {body}");
            return JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
        }

        var ids = await Task.WhenAll(Enumerable.Range(0, Uploads).Select(UploadAsync));
        var store = api.Services.GetRequiredService<DatasetStore>();
        Assert.Equal(1, await store.ContentCountAsync());
        Assert.Equal(Uploads, (await client.GetFromJsonAsync<JsonElement>("/api/datasets")).GetProperty("total").GetInt64());

        async Task DeleteAsync(string id)
        {
            using var response = await client.DeleteAsync($"/api/datasets/{id}");
            Assert.True(response.StatusCode == HttpStatusCode.NoContent, $"delete {id}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        var again = Enumerable.Range(Uploads, Uploads).Select(UploadAsync).ToArray();
        await Task.WhenAll(ids.Select(DeleteAsync).Concat(again));
        Assert.Equal(1, await store.ContentCountAsync());
        Assert.Equal(Uploads, (await client.GetFromJsonAsync<JsonElement>("/api/datasets")).GetProperty("total").GetInt64());
        using var copy = new MemoryStream();
        await store.CopyContentAsync(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), copy);
        Assert.Equal(bytes, copy.ToArray());
    }

    public static TheoryData<Backend, string, string, string> BadInputs()
    {
        var cases = new (string Name, string Content, string Expected)[]
        {
            ("ragged", "a,b,c\n1,2,3\n4,5\n", "line 3: found 2 fields, expected 3"),
            ("empty", "", "empty"),
            ("header-only", "a,b,c\n", "header-only, line 1: header only, no data rows"),
            ("duplicate-names", "a,b,a\n1,2,3\n", "'a'"),
            ("empty-name", "a,,c\n1,2,3\n", "empty"),
        };
        var data = new TheoryData<Backend, string, string, string>();
        foreach (var backend in new[] { Backend.Sqlite, Backend.Postgres })
        {
            foreach (var (name, content, expected) in cases)
            {
                data.Add(backend, name, content, expected);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task Upload_BadCsv_Returns400WithPreciseMessageAndStoresNothing(Backend backend, string name, string content, string expected)
    {
        await using var scope = await BackendScope.CreateAsync(backend, "bad");
        using var api = new ApiHost(scope);
        using var client = api.Client();

        using var response = await client.PostAsync("/api/datasets", Form(Encoding.UTF8.GetBytes(content), name + ".csv"));
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        await AssertNothingStoredAsync(api);
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task Upload_NotUtf8_Returns400NamingTheByte(Backend backend)
    {
        await using var scope = await BackendScope.CreateAsync(backend, "utf");
        using var api = new ApiHost(scope);
        using var client = api.Client();
        byte[] latin1 = [.. "name,city\nJos"u8.ToArray(), 0xE9, .. ",Z\u00fcrich\n"u8.ToArray()];

        using var response = await client.PostAsync("/api/datasets", Form(latin1, "latin1.csv"));
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("UTF-8", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await AssertNothingStoredAsync(api);
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task Upload_OverLimits_Returns413Or400AndStoresNothing(Backend backend)
    {
        await using var scope = await BackendScope.CreateAsync(backend, "limit");
        using var api = new LimitedApiHost(scope);
        using var client = api.Client();

        var big = Encoding.UTF8.GetBytes("a,b\n" + string.Concat(Enumerable.Repeat("1,2\n", 400)));
        using var tooBig = await client.PostAsync("/api/datasets", Form(big, "big.csv"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooBig.StatusCode);
        Assert.Contains("1,000 bytes", (await tooBig.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);

        // A body beyond the server's own limit (the upload limit plus 1 MiB for the form) is refused as it is read, and
        // says so with the same setting, not the server's byte count.
        var huge = Encoding.UTF8.GetBytes("a,b\n" + string.Concat(Enumerable.Repeat("1,2\n", 600_000)));
        using var tooHuge = await client.PostAsync("/api/datasets", Form(huge, "huge.csv"));
        var hugeText = await tooHuge.Content.ReadAsStringAsync();
        Assert.True(tooHuge.StatusCode == HttpStatusCode.RequestEntityTooLarge, hugeText);
        Assert.Equal("The file is larger than the configured limit of 1,000 bytes (Storage:MaxUploadBytes).",
            JsonDocument.Parse(hugeText).RootElement.GetProperty("detail").GetString());

        var wide = Encoding.UTF8.GetBytes(string.Join(',', Enumerable.Range(0, 6).Select(i => "c" + i)) + "\n" + string.Join(',', Enumerable.Range(0, 6)) + "\n");
        using var tooWide = await client.PostAsync("/api/datasets", Form(wide, "wide.csv"));
        Assert.Equal(HttpStatusCode.BadRequest, tooWide.StatusCode);
        // The limit is named by the configuration key the operator sets, not the engine's option.
        Assert.Contains("line 1: the header has 6 columns, more than the limit of 5 (Storage:MaxColumns).",
            (await tooWide.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        await AssertNothingStoredAsync(api);
    }

    /// <summary>
    /// A form with two files (or two names) stored the first and answered 201 as if it had taken them all; a file
    /// under another field name was "no field named 'file'" without saying what the form did hold; a field the upload
    /// does not have (a misspelt name) was dropped.
    /// </summary>
    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task Upload_TwoFilesTwoNamesAFileUnderAnotherFieldOrAnUnknownField_Returns400AndStoresNothing(Backend backend)
    {
        await using var scope = await BackendScope.CreateAsync(backend, "twofiles");
        using var api = new ApiHost(scope);
        using var client = api.Client();
        var credit = await ReadDatasetAsync("credit-german-statlog.csv");
        var churn = await ReadDatasetAsync("tabular-telco-churn.csv");

        using var twoFiles = Form(credit, "credit-german-statlog.csv");
        twoFiles.Add(new ByteArrayContent(churn), "file", "tabular-telco-churn.csv");
        using (var response = await client.PostAsync("/api/datasets", twoFiles))
        {
            await AssertFieldProblemAsync(response, "file", "The form has 2 'file' fields; an upload stores one file as one dataset: send each file in its own request.");
        }

        using var twoNames = Form(credit, "credit-german-statlog.csv", "credit");
        twoNames.Add(new StringContent("risk"), "name");
        using (var response = await client.PostAsync("/api/datasets", twoNames))
        {
            await AssertFieldProblemAsync(response, "name", "The form has 2 'name' fields; an upload stores one file as one dataset: send each file in its own request.");
        }

        using var misnamed = new MultipartFormDataContent { { new ByteArrayContent(credit), "upload", "credit-german-statlog.csv" }, { new StringContent("credit"), "name" } };
        using (var response = await client.PostAsync("/api/datasets", misnamed))
        {
            await ServingInputTests.AssertProblemAsync(response, "Missing file", "The multipart form has no field named 'file' (it has 'name', 'upload').");
        }

        // A misspelt name was dropped, and the dataset named after its file.
        using var misspelt = Form(credit, "credit-german-statlog.csv");
        misspelt.Add(new StringContent("credit"), "nmae");
        using (var response = await client.PostAsync("/api/datasets", misspelt))
        {
            await AssertFieldProblemAsync(response, "nmae", "'nmae': not a field of this upload; the fields are 'file', 'name' and 'encoding'.");
        }

        await AssertNothingStoredAsync(api);
    }

    internal static async Task AssertFieldProblemAsync(HttpResponseMessage response, string field, string detail)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.Equal(field, problem.GetProperty("field").GetString());
        Assert.Equal(detail, problem.GetProperty("detail").GetString());
    }

    /// <summary>A column of numbers with a stray value is profiled as categorical with a note naming the value and its line.</summary>
    [Fact]
    public async Task Upload_NumbersWithAStrayValue_ProfileNotesIt()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "note");
        using var api = new ApiHost(scope);
        using var client = api.Client();
        var csv = "amount,label\n" + string.Concat(Enumerable.Range(0, 40).Select(i => $"{(i == 5 ? "n/a?" : i.ToString(System.Globalization.CultureInfo.InvariantCulture))},{i % 2}\n"));

        using var response = await client.PostAsync("/api/datasets", Form(Encoding.UTF8.GetBytes(csv), "pay.csv"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var columns = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("columns");

        var amount = columns.EnumerateArray().Single(c => c.GetProperty("name").GetString() == "amount");
        Assert.Equal("categorical", amount.GetProperty("type").GetString());
        Assert.Equal("column 'amount' was read as categorical although 39 of 40 values are numbers: pay, line 7 holds 'n/a?', which is not a number (or is beyond a 32-bit float)",
            amount.GetProperty("note").GetString());
        var label = columns.EnumerateArray().Single(c => c.GetProperty("name").GetString() == "label");
        Assert.Equal(JsonValueKind.Null, label.GetProperty("note").ValueKind);
    }

    /// <summary>No dataset name reaches the file system (datasets are stored in the registry), but none that could is taken either.</summary>
    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("/etc/passwd")]
    [InlineData("a/../../b")]
    [InlineData("..\\..\\windows")]
    [InlineData("C:\\temp\\x")]
    [InlineData("a%2F..%2Fb")]
    [InlineData("a\u0000b")]
    [InlineData("ok..")]
    public async Task Upload_PathTraversalName_IsRejected(string name)
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "name");
        using var api = new ApiHost(scope);
        using var client = api.Client();
        using var response = await client.PostAsync("/api/datasets", Form("a,b\n1,2\n"u8.ToArray(), "x.csv", name));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Invalid field 'name'", problem.GetProperty("title").GetString());
        Assert.Equal($"Invalid dataset name '{name}': use 1–128 letters, digits, '.', '_', '-' or spaces, starting with a letter or digit, without '..'.",
            problem.GetProperty("detail").GetString());
        Assert.Equal("name", problem.GetProperty("field").GetString());
        await AssertNothingStoredAsync(api);
    }

    /// <summary>Without a name, the dataset is named after its file, made valid: a file name is not a typed name to refuse.</summary>
    [Theory]
    [InlineData("Q3 sales (EU).csv", "Q3 sales -EU")]
    [InlineData("[draft] 2026..w49.csv", "draft- 2026.w49")]
    [InlineData("(1).csv", "1")]
    [InlineData("../../etc/passwd.csv", "passwd")]
    [InlineData("..\\..\\evil.csv", "evil")]
    public async Task Upload_WithoutNameFromAFileNameOutsideTheRule_NamedAfterTheFile(string fileName, string expected)
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "fname");
        using var api = new ApiHost(scope);
        using var client = api.Client();
        using var response = await client.PostAsync("/api/datasets", Form("a,b\n1,2\n"u8.ToArray(), fileName));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        Assert.Equal(expected, JsonDocument.Parse(body).RootElement.GetProperty("name").GetString());
    }

    /// <summary>Letters outside the rule become '-' (browsers send the file name as UTF-8); nothing left is "dataset".</summary>
    [Theory]
    [InlineData("Umsätze Q3 (EU).csv", "Ums-tze Q3 -EU")]
    [InlineData("数据.csv", "dataset")]
    [InlineData(".hidden.csv", "hidden")]
    [InlineData(null, "dataset")]
    public void NameFromFileName_OutsideTheRule_ValidName(string? fileName, string expected)
    {
        var name = DatasetStore.NameFromFileName(fileName);
        Assert.Equal(expected, name);
        Assert.Equal(name, DatasetStore.ValidateName(name));
    }

    private static async Task AssertNothingStoredAsync(WebApplicationFactoryWithSettings api)
    {
        var store = api.Services.GetRequiredService<DatasetStore>();
        Assert.Equal(0, await store.ContentCountAsync());
        using var client = api.Client();
        var list = await client.GetFromJsonAsync<JsonElement>("/api/datasets");
        Assert.Equal(0, list.GetProperty("total").GetInt64());
    }

    internal static async Task<byte[]> ReadDatasetAsync(string file)
    {
        var path = TestPaths.Dataset(file);
        if (!file.EndsWith(".gz", StringComparison.Ordinal))
        {
            return await File.ReadAllBytesAsync(path);
        }

        await using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var buffer = new MemoryStream();
        await gz.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    internal static MultipartFormDataContent Form(byte[] bytes, string fileName, string? name = null)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(file, "file", fileName);
        if (name is not null)
        {
            form.Add(new StringContent(name), "name");
        }

        return form;
    }

    /// <summary>An API with tiny limits (1,000 bytes, 5 columns) to exercise the limit errors.</summary>
    private sealed class LimitedApiHost(BackendScope scope) : WebApplicationFactoryWithSettings(scope, new()
    {
        ["Storage:MaxUploadBytes"] = "1000",
        ["Storage:MaxColumns"] = "5",
    });
}
