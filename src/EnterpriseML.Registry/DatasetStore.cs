using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Dapper;
using EnterpriseML.Engine.Data;

namespace EnterpriseML.Registry;

/// <summary>A stored dataset: metadata plus its profile.</summary>
public sealed record DatasetRecord(string Id, string TenantId, string Name, string Sha256, long RowCount, int ColumnCount, DatasetProfile Profile, long CreatedAt);

/// <summary>An upload larger than the configured limit.</summary>
public sealed class UploadTooLargeException(long limit) : Exception($"The file is larger than the configured limit of {limit:N0} bytes (Storage:MaxUploadBytes).")
{
    public long Limit { get; } = limit;
}

/// <summary>
/// Datasets, stored content-addressed: the bytes live once per SHA-256 in 4 MiB chunks, whichever tenant or name
/// uploads them. Ingestion streams the upload to a temporary file while hashing, profiles (which validates) the file,
/// then writes content and metadata in one transaction: on any error nothing is stored.
/// </summary>
public sealed partial class DatasetStore
{
    private const int ChunkBytes = 4 << 20;

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private readonly RegistryDatabase _database;
    private readonly TimeProvider _time;
    private readonly StorageOptions _options;

    public DatasetStore(RegistryDatabase database, TimeProvider time, StorageOptions options)
    {
        _database = database;
        _time = time;
        _options = options;
    }

    /// <summary>Dataset names: letters, digits, '.', '_', '-', ' '; 1–128 characters; no path separators.</summary>
    public static string ValidateName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!NamePattern().IsMatch(name) || name.Contains("..", StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"Invalid dataset name '{name}': use 1–128 letters, digits, '.', '_', '-' or spaces, starting with a letter or digit, without '..'.", nameof(name));
        }

        return name;
    }

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._\- ]{0,127}$")]
    private static partial Regex NamePattern();

    /// <summary>
    /// The name of a dataset uploaded without one: its file name without the extension, made valid for
    /// <see cref="ValidateName"/> (each run of other characters a '-', trimmed to 128; "dataset" when nothing is
    /// left), so a file such as "Q3 sales (EU).csv" is stored as "Q3 sales -EU" instead of refusing a name the user
    /// never typed.
    /// </summary>
    public static string NameFromFileName(string? fileName)
    {
        var stem = Path.GetFileNameWithoutExtension(Path.GetFileName(fileName ?? ""));
        var name = new StringBuilder(stem.Length);
        foreach (var c in stem)
        {
            if (char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or ' ')
            {
                name.Append(c);
            }
            else if (name.Length == 0 || name[^1] != '-')
            {
                name.Append('-');
            }
        }

        var text = name.ToString();
        while (text.Contains("..", StringComparison.Ordinal))
        {
            text = text.Replace("..", ".", StringComparison.Ordinal);
        }

        text = text.TrimStart('.', '_', '-', ' ');
        text = text[..Math.Min(text.Length, 128)].TrimEnd('.', '_', '-', ' ');
        return text.Length == 0 ? "dataset" : text;
    }

    /// <summary>How an upload's encoding is set, named in the errors about its text (the upload form's field).</summary>
    public const string EncodingSetting = "the upload's 'encoding' field";

    /// <summary>
    /// Validates, profiles and stores an uploaded CSV. Text in another encoding than UTF-8 (<paramref name="encoding"/>,
    /// or UTF-16 selected by its byte-order mark when none is given) is stored transcoded to UTF-8, so every later
    /// reader reads it as any other dataset; the SHA-256 is of the bytes stored, and the profile records the upload's
    /// encoding (<see cref="DatasetProfile.Encoding"/>). <see cref="StorageOptions.MaxUploadBytes"/> limits the
    /// uploaded bytes.
    /// </summary>
    public async Task<DatasetRecord> IngestAsync(string tenantId, string name, Stream upload, CancellationToken cancellationToken = default) =>
        await IngestAsync(tenantId, name, upload, null, cancellationToken);

    /// <summary>
    /// The most bytes an upload's text can take once transcoded to UTF-8: three per uploaded byte, saturating at
    /// long.MaxValue (a limit set that high had wrapped to a negative one).
    /// </summary>
    private long DecodedLimit => _options.MaxUploadBytes > long.MaxValue / 3 ? long.MaxValue : 3 * _options.MaxUploadBytes;

    /// <inheritdoc cref="IngestAsync(string, string, Stream, CancellationToken)"/>
    public async Task<DatasetRecord> IngestAsync(string tenantId, string name, Stream upload, CsvEncoding? encoding, CancellationToken cancellationToken = default)
    {
        ValidateName(name);
        // In this process's spool directory: a process killed mid-upload leaves the file, which the next start removes.
        var temp = SpoolDirectory.Current.NewFile("upload-");
        var utf8 = temp + ".utf8";
        try
        {
            string sha;
            long size;
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                (sha, size) = await CopyHashingAsync(upload, file, _options.MaxUploadBytes, cancellationToken);
            }

            var csv = new CsvOptions { SourceName = name, MaxBytes = _options.MaxUploadBytes, MaxColumns = _options.MaxColumns, MaxColumnsSetting = "Storage:MaxColumns", Encoding = encoding, EncodingSetting = EncodingSetting };
            CsvEncoding read;
            await using (var raw = File.OpenRead(temp))
            await using (var decoded = CsvDecoding.ToUtf8(raw, csv, out read))
            {
                if (read != CsvEncoding.Utf8)
                {
                    await using var file = new FileStream(utf8, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
                    // A byte becomes at most 3 bytes of UTF-8 (Windows-1252's € is E2 82 AC): the limit applies to the upload.
                    (sha, size) = await Task.Run(() => CopyHashingAsync(decoded, file, DecodedLimit, cancellationToken), cancellationToken);
                }
            }

            var stored = read == CsvEncoding.Utf8 ? temp : utf8;
            DatasetProfile profile;
            await using (var text = File.OpenRead(stored))
            {
                var options = new CsvOptions { SourceName = name, MaxBytes = DecodedLimit, MaxColumns = _options.MaxColumns, MaxColumnsSetting = "Storage:MaxColumns", Encoding = read == CsvEncoding.Utf8 ? encoding : CsvEncoding.Utf8, EncodingSetting = EncodingSetting };
                profile = await Task.Run(() => DatasetProfiler.Profile(text, options, null, cancellationToken), cancellationToken) with { Encoding = read };
            }

            var record = new DatasetRecord(TenantStore.NewId(), tenantId, name, sha, profile.RowCount, profile.Columns.Count, profile, _time.GetUtcNow().ToUnixTimeMilliseconds());
            await StoreAsync(record, stored, size, cancellationToken);
            return record;
        }
        finally
        {
            File.Delete(temp);
            File.Delete(utf8);
        }
    }

    private static async Task<(string Sha, long Size)> CopyHashingAsync(Stream source, Stream target, long limit, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        long total = 0;
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
        {
            total += read;
            if (total > limit)
            {
                throw new UploadTooLargeException(limit);
            }

            hash.AppendData(buffer, 0, read);
            await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }

        return (Convert.ToHexStringLower(hash.GetHashAndReset()), total);
    }

    private async Task StoreAsync(DatasetRecord record, string file, long size, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await LockContentAsync(connection, transaction, record.Sha256, cancellationToken);
        var exists = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM dataset_contents WHERE sha256 = @Sha256", record, transaction, cancellationToken: cancellationToken));
        if (exists == 0)
        {
            await using var read = File.OpenRead(file);
            var buffer = new byte[ChunkBytes];
            var seq = 0;
            int n;
            while ((n = await ReadFullAsync(read, buffer, cancellationToken)) > 0)
            {
                var bytes = n == buffer.Length ? buffer : buffer[..n];
                await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO dataset_blobs (sha256, seq, bytes) VALUES (@sha, @seq, @bytes)",
                    new { sha = record.Sha256, seq, bytes }, transaction, cancellationToken: cancellationToken));
                seq++;
            }

            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO dataset_contents (sha256, size_bytes, chunk_count, created_at) VALUES (@sha, @size, @seq, @at)",
                new { sha = record.Sha256, size, seq, at = record.CreatedAt }, transaction, cancellationToken: cancellationToken));
        }

        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO datasets (id, tenant_id, name, sha256, row_count, column_count, profile, created_at)
            VALUES (@Id, @TenantId, @Name, @Sha256, @RowCount, @ColumnCount, @profile, @CreatedAt)
            """,
            new { record.Id, record.TenantId, record.Name, record.Sha256, record.RowCount, record.ColumnCount, profile = JsonSerializer.Serialize(record.Profile, Json), record.CreatedAt },
            transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// Serialises the transactions that store or remove the content of one SHA-256 on PostgreSQL (a transaction-scoped
    /// advisory lock): two uploads of the same new bytes at once each found no content and both inserted its chunks,
    /// so all but one failed on the primary key with a 500; and a delete of the last dataset using some bytes could
    /// remove them under an upload that had just found them stored. SQLite transactions begin immediate, which
    /// serialises them already.
    /// </summary>
    private async Task LockContentAsync(DbConnection connection, DbTransaction transaction, string sha256, CancellationToken cancellationToken)
    {
        if (_database.Dialect == SqlDialect.Postgres)
        {
            await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@space, hashtext(@sha256))",
                new { space = ContentLockSpace, sha256 }, transaction, cancellationToken: cancellationToken));
        }
    }

    /// <summary>The first key of the PostgreSQL advisory locks <see cref="LockContentAsync"/> takes, one per SHA-256 ("EMLD").</summary>
    private const int ContentLockSpace = 0x454D4C44;

    private static async Task<int> ReadFullAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }

    public async Task<IReadOnlyList<DatasetRecord>> ListAsync(string tenantId, int skip = 0, int take = 100, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            Select + " WHERE tenant_id = @tenantId ORDER BY created_at DESC, id LIMIT @take OFFSET @skip",
            new { tenantId, skip, take }, cancellationToken: cancellationToken));
        return [.. rows.Select(ToRecord)];
    }

    public async Task<long> CountAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM datasets WHERE tenant_id = @tenantId", new { tenantId }, cancellationToken: cancellationToken));
    }

    /// <summary>The dataset, or null when it does not exist or belongs to another tenant.</summary>
    public async Task<DatasetRecord?> GetAsync(string tenantId, string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            Select + " WHERE tenant_id = @tenantId AND id = @id", new { tenantId, id }, cancellationToken: cancellationToken));
        return row is null ? null : ToRecord(row);
    }

    /// <summary>The newest dataset of that name in the tenant, or null.</summary>
    public async Task<DatasetRecord?> FindLatestByNameAsync(string tenantId, string name, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        var row = await connection.QueryFirstOrDefaultAsync<Row>(new CommandDefinition(
            Select + " WHERE tenant_id = @tenantId AND name = @name ORDER BY created_at DESC, id DESC LIMIT 1", new { tenantId, name }, cancellationToken: cancellationToken));
        return row is null ? null : ToRecord(row);
    }

    /// <summary>Deletes the dataset; its content goes too when no other dataset shares it. False when not found.</summary>
    public async Task<bool> DeleteAsync(string tenantId, string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var sha = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT sha256 FROM datasets WHERE tenant_id = @tenantId AND id = @id", new { tenantId, id }, transaction, cancellationToken: cancellationToken));
        if (sha is null)
        {
            return false;
        }

        await LockContentAsync(connection, transaction, sha, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM datasets WHERE id = @id", new { id }, transaction, cancellationToken: cancellationToken));
        var others = await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM datasets WHERE sha256 = @sha", new { sha }, transaction, cancellationToken: cancellationToken));
        if (others == 0)
        {
            await connection.ExecuteAsync(new CommandDefinition("DELETE FROM dataset_blobs WHERE sha256 = @sha", new { sha }, transaction, cancellationToken: cancellationToken));
            await connection.ExecuteAsync(new CommandDefinition("DELETE FROM dataset_contents WHERE sha256 = @sha", new { sha }, transaction, cancellationToken: cancellationToken));
        }

        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>Copies the stored bytes of <paramref name="sha256"/> into <paramref name="target"/>.</summary>
    public async Task CopyContentAsync(string sha256, Stream target, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        var chunks = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT chunk_count FROM dataset_contents WHERE sha256 = @sha256", new { sha256 }, cancellationToken: cancellationToken))
            ?? throw new KeyNotFoundException($"No stored content with SHA-256 {sha256}.");
        for (var seq = 0; seq < chunks; seq++)
        {
            var bytes = await connection.QuerySingleAsync<byte[]>(new CommandDefinition(
                "SELECT bytes FROM dataset_blobs WHERE sha256 = @sha256 AND seq = @seq", new { sha256, seq }, cancellationToken: cancellationToken));
            await target.WriteAsync(bytes, cancellationToken);
        }
    }

    /// <summary>How many content blobs (distinct SHA-256s) are stored; for tests and diagnostics.</summary>
    public async Task<long> ContentCountAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM dataset_contents", cancellationToken: cancellationToken));
    }

    private const string Select =
        "SELECT id AS Id, tenant_id AS TenantId, name AS Name, sha256 AS Sha256, row_count AS RowCount, column_count AS ColumnCount, profile AS Profile, created_at AS CreatedAt FROM datasets";

    private static DatasetRecord ToRecord(Row r) =>
        new(r.Id, r.TenantId, r.Name, r.Sha256, r.RowCount, (int)r.ColumnCount, JsonSerializer.Deserialize<DatasetProfile>(r.Profile, Json)!, r.CreatedAt);

    private sealed class Row
    {
        public string Id { get; set; } = "";

        public string TenantId { get; set; } = "";

        public string Name { get; set; } = "";

        public string Sha256 { get; set; } = "";

        public long RowCount { get; set; }

        public long ColumnCount { get; set; }

        public string Profile { get; set; } = "";

        public long CreatedAt { get; set; }
    }
}
