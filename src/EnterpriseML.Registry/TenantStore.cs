using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Dapper;

namespace EnterpriseML.Registry;

/// <summary>The roles an API key can carry.</summary>
public static class Roles
{
    public const string Admin = "admin";
    public const string DataScientist = "data-scientist";
    public const string Consumer = "consumer";

    public static bool IsValid(string role) => role is Admin or DataScientist or Consumer;
}

/// <summary>An authenticated caller.</summary>
public sealed record ApiPrincipal(string KeyId, string TenantId, string TenantName, string Role);

/// <summary>A tenant as listed by the API.</summary>
public sealed record TenantRecord(string Id, string Name, long CreatedAt);

/// <summary>
/// An API key as listed by the API: never the key nor its hash. <paramref name="Prefix"/> is a generated key's first 8
/// characters ("eml_" and 4 random ones, to tell keys apart), empty for a key chosen with Auth:BootstrapKey; times are
/// Unix milliseconds, <paramref name="RevokedAt"/> null while the key is active.
/// </summary>
public sealed record ApiKeyRecord(string Id, string Role, string Prefix, long CreatedAt, long? RevokedAt);

/// <summary>
/// Tenants and their API keys. Keys are 256-bit random secrets shown once; only their SHA-256 is stored, so a
/// database leak does not leak usable keys.
/// </summary>
public sealed class TenantStore
{
    /// <summary>The tenant that owns the bootstrap admin key.</summary>
    public const string SystemTenant = "system";

    private readonly RegistryDatabase _database;
    private readonly TimeProvider _time;

    public TenantStore(RegistryDatabase database, TimeProvider time)
    {
        _database = database;
        _time = time;
    }

    public static string NewKey() => "eml_" + Base64Url(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public static string NewId() => Guid.NewGuid().ToString("N");

    public async Task<TenantRecord> CreateTenantAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        return await InsertTenantAsync(connection, null, name, cancellationToken);
    }

    private async Task<TenantRecord> InsertTenantAsync(DbConnection connection, DbTransaction? transaction, string name, CancellationToken cancellationToken)
    {
        var tenant = new TenantRecord(NewId(), name, _time.GetUtcNow().ToUnixTimeMilliseconds());
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO tenants (id, name, created_at) VALUES (@Id, @Name, @CreatedAt)", tenant, transaction, cancellationToken: cancellationToken));
        return tenant;
    }

    /// <summary>
    /// Creates a tenant with its first key (<paramref name="role"/>) in one transaction, or returns null when a tenant
    /// of that name exists, also when another request creates it at the same moment (the unique name decides, so
    /// concurrent creates of one name give one tenant and the others null). One transaction: a tenant stored without
    /// its key (the key's insert failed or was cancelled) could never be used, and its name was taken for good.
    /// </summary>
    public async Task<(TenantRecord Tenant, string KeyId, string Key)?> TryCreateTenantWithKeyAsync(string name, string role, CancellationToken cancellationToken = default)
    {
        CheckRole(role);
        try
        {
            await using var connection = await _database.OpenAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var tenant = await InsertTenantAsync(connection, transaction, name, cancellationToken);
            var (keyId, key) = await InsertKeyAsync(connection, transaction, tenant.Id, role, null, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return (tenant, keyId, key);
        }
        catch (Exception e) when (IsUniqueViolation(e))
        {
            return null;
        }
    }

    private static bool IsUniqueViolation(Exception e) =>
        e is Npgsql.PostgresException { SqlState: "23505" } or Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 19 };

    public async Task<TenantRecord?> FindTenantByNameAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<TenantRecord>(new CommandDefinition(
            "SELECT id AS Id, name AS Name, created_at AS CreatedAt FROM tenants WHERE name = @name", new { name }, cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<TenantRecord>> ListTenantsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        return [.. await connection.QueryAsync<TenantRecord>(new CommandDefinition(
            "SELECT id AS Id, name AS Name, created_at AS CreatedAt FROM tenants ORDER BY name", cancellationToken: cancellationToken))];
    }

    /// <summary>
    /// The tenant's keys, active and revoked, newest first; null when there is no such tenant. What is read is what the
    /// listing may show: the hash is not even selected.
    /// </summary>
    public async Task<IReadOnlyList<ApiKeyRecord>?> ListKeysAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        var tenants = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM tenants WHERE id = @tenantId", new { tenantId }, cancellationToken: cancellationToken));
        if (tenants == 0)
        {
            return null;
        }

        return [.. await connection.QueryAsync<ApiKeyRecord>(new CommandDefinition(
            """
            SELECT id AS Id, role AS Role, key_prefix AS Prefix, created_at AS CreatedAt, revoked_at AS RevokedAt
            FROM api_keys WHERE tenant_id = @tenantId ORDER BY created_at DESC, id
            """,
            new { tenantId }, cancellationToken: cancellationToken))];
    }

    /// <summary>Creates a key for the tenant; returns (key id, plaintext key). The plaintext is never stored.</summary>
    public async Task<(string Id, string Key)> CreateKeyAsync(string tenantId, string role, string? plaintext = null, CancellationToken cancellationToken = default)
    {
        CheckRole(role);
        await using var connection = await _database.OpenAsync(cancellationToken);
        return await InsertKeyAsync(connection, null, tenantId, role, plaintext, cancellationToken);
    }

    private static void CheckRole(string role)
    {
        if (!Roles.IsValid(role))
        {
            throw new ArgumentOutOfRangeException(nameof(role), role, "Must be admin, data-scientist or consumer.");
        }
    }

    private async Task<(string Id, string Key)> InsertKeyAsync(
        DbConnection connection, DbTransaction? transaction, string tenantId, string role, string? plaintext, CancellationToken cancellationToken)
    {
        var key = plaintext ?? NewKey();
        var id = NewId();

        // A generated key's first 8 characters ("eml_" and 24 of its 256 random bits) tell keys apart. Nothing of a key
        // the operator chose (Auth:BootstrapKey) is kept: its first 8 characters were, so a short one was stored whole.
        var prefix = plaintext is null ? key[..8] : "";
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO api_keys (id, tenant_id, key_hash, key_prefix, role, created_at) VALUES (@id, @tenantId, @hash, @prefix, @role, @at)",
            new { id, tenantId, hash = Hash(key), prefix, role, at = _time.GetUtcNow().ToUnixTimeMilliseconds() },
            transaction, cancellationToken: cancellationToken));
        return (id, key);
    }

    /// <summary>The caller of a key, or null when the key is unknown or revoked.</summary>
    public async Task<ApiPrincipal?> AuthenticateAsync(string key, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<ApiPrincipal>(new CommandDefinition(
            """
            SELECT k.id AS KeyId, k.tenant_id AS TenantId, t.name AS TenantName, k.role AS Role
            FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
            WHERE k.key_hash = @hash AND k.revoked_at IS NULL
            """,
            new { hash = Hash(key) }, cancellationToken: cancellationToken));
    }

    /// <summary>Revokes a key of the tenant; false when there is no such active key.</summary>
    public async Task<bool> RevokeKeyAsync(string tenantId, string keyId, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE api_keys SET revoked_at = @at WHERE id = @keyId AND tenant_id = @tenantId AND revoked_at IS NULL",
            new { keyId, tenantId, at = _time.GetUtcNow().ToUnixTimeMilliseconds() }, cancellationToken: cancellationToken)) > 0;
    }

    /// <summary>
    /// Makes sure an admin key exists. With <paramref name="bootstrapKey"/> set, that key is registered (idempotent).
    /// Without it, a key is created only when no admin key exists yet, and returned so the host can print it once.
    /// </summary>
    public async Task<string?> EnsureBootstrapAdminAsync(string? bootstrapKey, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        var system = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT id FROM tenants WHERE name = @name", new { name = SystemTenant }, cancellationToken: cancellationToken));
        if (system is null)
        {
            try
            {
                system = (await CreateTenantAsync(SystemTenant, cancellationToken)).Id;
            }
            catch (Exception e) when (IsUniqueViolation(e))
            {
                // Another process created it at the same moment.
                system = await connection.QuerySingleAsync<string>("SELECT id FROM tenants WHERE name = @name", new { name = SystemTenant });
            }
        }

        if (bootstrapKey is not null)
        {
            var known = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT COUNT(*) FROM api_keys WHERE key_hash = @hash", new { hash = Hash(bootstrapKey) }, cancellationToken: cancellationToken));
            if (known == 0)
            {
                try
                {
                    await CreateKeyAsync(system, Roles.Admin, bootstrapKey, cancellationToken);
                }
                catch (Exception e) when (IsUniqueViolation(e))
                {
                    // Registered concurrently by another node.
                }
            }

            return null;
        }

        var admins = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL", cancellationToken: cancellationToken));
        return admins > 0 ? null : (await CreateKeyAsync(system, Roles.Admin, null, cancellationToken)).Key;
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
