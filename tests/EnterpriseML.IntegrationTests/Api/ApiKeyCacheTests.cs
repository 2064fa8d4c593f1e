using System.Net;
using EnterpriseML.Api.Auth;
using EnterpriseML.IntegrationTests.Infrastructure;
using EnterpriseML.IntegrationTests.Serving;
using EnterpriseML.Registry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace EnterpriseML.IntegrationTests.Api;

/// <summary>The verified-key cache: trusted for its TTL only, revocation through this node is immediate, unknown keys are never cached.</summary>
public sealed class ApiKeyCacheTests
{
    [Fact]
    public async Task KeyRevokedElsewhere_StillTrustedWithinTtl_RejectedAfterIt()
    {
        await using var fixture = await Fixture.CreateAsync();
        var (keyId, key) = await fixture.Tenants.CreateKeyAsync(fixture.TenantId, Roles.Consumer);

        var first = await fixture.Cache.AuthenticateAsync(Request(key), CancellationToken.None);
        Assert.Equal(keyId, first?.KeyId);

        // Revoked straight in the registry, as another node would: this node's cache does not hear of it.
        Assert.True(await fixture.Tenants.RevokeKeyAsync(fixture.TenantId, keyId));
        fixture.Clock.Advance(ApiKeyCache.Ttl - TimeSpan.FromMilliseconds(1));
        Assert.Equal(keyId, (await fixture.Cache.AuthenticateAsync(Request(key), CancellationToken.None))?.KeyId);

        fixture.Clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Null(await fixture.Cache.AuthenticateAsync(Request(key), CancellationToken.None));
    }

    [Fact]
    public async Task KeyRevokedThroughThisNode_RejectedAtOnce()
    {
        await using var fixture = await Fixture.CreateAsync();
        var (keyId, key) = await fixture.Tenants.CreateKeyAsync(fixture.TenantId, Roles.DataScientist);
        Assert.NotNull(await fixture.Cache.AuthenticateAsync(Request(key), CancellationToken.None));

        Assert.True(await fixture.Tenants.RevokeKeyAsync(fixture.TenantId, keyId));
        fixture.Cache.Revoked(keyId);

        Assert.Null(await fixture.Cache.AuthenticateAsync(Request(key), CancellationToken.None));
    }

    /// <summary>
    /// A check that read the key from the registry just before it was revoked through this node used to cache that
    /// answer after the revocation had cleared the cache, so the revoked key worked here for another TTL.
    /// </summary>
    [Fact]
    public async Task KeyRevokedThroughThisNode_WhileItsCheckIsInFlight_RefusedOnTheNextRequest()
    {
        await using var fixture = await Fixture.CreateAsync();
        var (keyId, key) = await fixture.Tenants.CreateKeyAsync(fixture.TenantId, Roles.Consumer);
        var answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = true;
        var cache = new ApiKeyCache(fixture.Tenants, fixture.Clock)
        {
            Lookup = async (k, ct) =>
            {
                var principal = await fixture.Tenants.AuthenticateAsync(k, ct);
                if (held)
                {
                    held = false;
                    answered.SetResult();
                    await release.Task;
                }

                return principal;
            },
        };

        // The registry has answered "valid"; the revocation lands before the answer is cached.
        var inFlight = cache.AuthenticateAsync(Request(key), CancellationToken.None).AsTask();
        await answered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(await fixture.Tenants.RevokeKeyAsync(fixture.TenantId, keyId));
        cache.Revoked(keyId);
        release.SetResult();
        Assert.Equal(keyId, (await inFlight)?.KeyId);   // the request under way when it was revoked

        Assert.Null(await cache.AuthenticateAsync(Request(key), CancellationToken.None));
    }

    [Fact]
    public async Task UnknownKey_IsNotCached_WorksOnFirstUseOnceCreated()
    {
        await using var fixture = await Fixture.CreateAsync();
        const string key = "eml_not_yet_created_key_0123456789abcdef";

        Assert.Null(await fixture.Cache.AuthenticateAsync(Request(key), CancellationToken.None));
        var (keyId, _) = await fixture.Tenants.CreateKeyAsync(fixture.TenantId, Roles.Consumer, key);

        Assert.Equal(keyId, (await fixture.Cache.AuthenticateAsync(Request(key), CancellationToken.None))?.KeyId);
    }

    /// <summary>
    /// A key revoked through another node kept working on this one for the cache's 2 s, with no way to choose otherwise.
    /// With <c>Auth:KeyCacheSeconds</c> 0 every request asks the registry, so the very next request is refused.
    /// </summary>
    [Fact]
    public async Task KeyCacheSecondsZero_KeyRevokedElsewhere_RefusedOnTheNextRequest()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Sqlite, "keycache0");
        using var api = new ApiHost(scope, new() { ["Auth:KeyCacheSeconds"] = "0" });
        using var admin = api.Client();
        var (tenantId, key) = await ServingModels.CreateTenantAsync(admin, "acme");
        using var client = api.Client(key);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/me")).StatusCode);

        // Revoked straight in the registry, as another node would: this node's cache does not hear of it.
        var tenants = api.Services.GetRequiredService<TenantStore>();
        Assert.True(await tenants.RevokeKeyAsync(tenantId, (await tenants.AuthenticateAsync(key))!.KeyId));

        using var refused = await client.GetAsync("/api/me");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task KeyCacheSeconds_OutOfRange_RefusedAtStart()
    {
        var output = await Processes.ApiRefusingToStartAsync(new Dictionary<string, string?> { ["Auth:KeyCacheSeconds"] = "61" });
        Processes.AssertOnlyStartupRefusal(output, "EnterpriseML API cannot start: Auth:KeyCacheSeconds: The field KeyCacheSeconds must be between 0 and 60.");
    }

    private static DefaultHttpContext Request(string key)
    {
        var context = new DefaultHttpContext();
        context.Request.Headers[ApiKeyMiddleware.Header] = key;
        return context;
    }

    private sealed class ManualClock : TimeProvider
    {
        private long _ticks = TimeSpan.TicksPerDay;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }

    private sealed class Fixture : IAsyncDisposable
    {
        private readonly BackendScope _scope;
        private readonly RegistryDatabase _database;

        private Fixture(BackendScope scope, RegistryDatabase database, TenantStore tenants, string tenantId)
        {
            _scope = scope;
            _database = database;
            Tenants = tenants;
            TenantId = tenantId;
            Cache = new ApiKeyCache(tenants, Clock);
        }

        public ManualClock Clock { get; } = new();

        public TenantStore Tenants { get; }

        public string TenantId { get; }

        public ApiKeyCache Cache { get; }

        public static async Task<Fixture> CreateAsync()
        {
            var scope = await BackendScope.CreateAsync(Backend.Sqlite, "keycache");
            var database = RegistryDatabase.ForSqlite(scope.DataDirectory);
            await new MigrationRunner(database, TimeProvider.System).ApplyAsync();
            var tenants = new TenantStore(database, TimeProvider.System);
            var tenant = await tenants.CreateTenantAsync("acme");
            return new Fixture(scope, database, tenants, tenant.Id);
        }

        public async ValueTask DisposeAsync()
        {
            await _database.DisposeAsync();
            await _scope.DisposeAsync();
        }
    }
}
