using System.Net;
using System.Text.Json;
using Microsoft.Playwright;

namespace EnterpriseML.BrowserTests;

/// <summary>
/// The Tenants page in Debian's Chromium against the real API: an admin creates a tenant and a key, each shown once
/// with a Copy button, sees the keys listed as the API lists them, uses a copied key against the API, and revokes it
/// behind a confirmation; the API's refusals are shown as it gave them. Keys of other roles are not offered the page.
/// </summary>
public sealed class TenantsPageTests
{
    private const string Tenant = "acme-risk";

    [Fact]
    public async Task TenantsPage_CreateTenantAndKey_ListedUsableThenRevokedAndRefused()
    {
        await using var api = new LiveApi();
        using var admin = ServingPanelTests.Client(api, LiveApi.AdminKey);
        await using var session = await BrowserSession.OpenAsync(api.BaseAddress, LiveApi.AdminKey, hash: null);
        var page = session.Page;
        await page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"], new() { Origin = api.BaseAddress });

        // An admin key is offered the page; the system tenant (the bootstrap key's) is listed.
        var tab = page.Locator("a[data-tab=tenants]");
        await Assertions.Expect(tab).ToBeVisibleAsync();
        await tab.ClickAsync();
        await Assertions.Expect(page.Locator("#tenants-table tbody tr")).ToHaveTextAsync([new System.Text.RegularExpressions.Regex("^system")]);

        // Create a tenant: its first key is shown once, with the note, and copied as shown.
        await page.FillAsync("#tenant-name", Tenant);
        await page.SelectOptionAsync("#tenant-role", "data-scientist");
        await page.ClickAsync("#tenant-form button[type=submit]");
        await Assertions.Expect(page.Locator("#new-key-note")).ToContainTextAsync("Shown once: copy it now.");
        await Assertions.Expect(page.Locator("#tenants-table tbody tr")).ToHaveCountAsync(2);
        var firstKey = await CopyShownKeyAsync(page);
        var tenants = await DashboardTests.GetJsonAsync(admin, "/api/tenants");
        var tenantId = tenants.EnumerateArray().Single(t => t.GetProperty("name").GetString() == Tenant).GetProperty("id").GetString()!;
        Assert.Equal((Tenant, "data-scientist"), await MeAsync(api, firstKey));

        // The same name again: the API's 409, as it said it.
        await page.FillAsync("#tenant-name", Tenant);
        await page.ClickAsync("#tenant-form button[type=submit]");
        var refusal = page.Locator("#tenant-error");
        await Assertions.Expect(refusal).ToContainTextAsync($"Tenant exists A tenant named '{Tenant}' already exists. (HTTP 409)");
        await Assertions.Expect(page.Locator("#new-key")).ToHaveCountAsync(0);

        // The tenant's page lists its first key as the API does: prefix, role, active.
        await page.Locator("#tenants-table a").Filter(new() { HasText = Tenant }).ClickAsync();
        var rows = page.Locator("#keys-table tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.First).ToContainTextAsync(firstKey[..8] + "…");
        await Assertions.Expect(rows.First.Locator(".badge.role")).ToHaveTextAsync("data-scientist");
        await Assertions.Expect(rows.First.Locator(".badge.active")).ToBeVisibleAsync();

        // A consumer key: shown once, listed beside the first, and it works against the API as acme-risk's consumer.
        await page.SelectOptionAsync("#key-role", "consumer");
        await page.ClickAsync("#key-form button[type=submit]");
        await Assertions.Expect(page.Locator("#new-key-note")).ToContainTextAsync("Shown once");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        var consumerKey = await CopyShownKeyAsync(page);
        Assert.Equal((Tenant, "consumer"), await MeAsync(api, consumerKey));
        var keyId = await page.Locator("#new-key").GetAttributeAsync("data-key-id");
        var listed = await DashboardTests.GetJsonAsync(admin, $"/api/tenants/{tenantId}/keys");
        Assert.Equal(keyId, listed.EnumerateArray().Single(k => k.GetProperty("prefix").GetString() == consumerKey[..8]).GetProperty("id").GetString());
        var consumerRow = rows.Filter(new() { HasText = consumerKey[..8] + "…" });
        await Assertions.Expect(consumerRow.Locator(".badge.role")).ToHaveTextAsync("consumer");
        await Assertions.Expect(consumerRow.Locator(".badge.active")).ToBeVisibleAsync();
        await DashboardTests.Shot(page, "tenants-new-key");

        // Revoke: cancelling the confirmation changes nothing; confirming marks the key revoked and the API refuses it.
        await consumerRow.GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
        await Assertions.Expect(page.Locator("#confirm-title")).ToHaveTextAsync("Revoke key");
        await Assertions.Expect(page.Locator("#confirm-text")).ToContainTextAsync($"Revoke {consumerKey[..8]}… (consumer) of {Tenant}?");
        await page.ClickAsync("#confirm button[value=cancel]");
        Assert.Equal((Tenant, "consumer"), await MeAsync(api, consumerKey));
        await consumerRow.GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
        await page.ClickAsync("#confirm-ok");
        await Assertions.Expect(consumerRow.Locator(".badge.revoked")).ToBeVisibleAsync();
        await Assertions.Expect(consumerRow.GetByRole(AriaRole.Button, new() { Name = "Revoke" })).ToHaveCountAsync(0);
        using (var consumer = ServingPanelTests.Client(api, consumerKey))
        {
            using var refused = await consumer.GetAsync("/api/me");
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        Assert.Equal((Tenant, "data-scientist"), await MeAsync(api, firstKey));
        var revoked = (await DashboardTests.GetJsonAsync(admin, $"/api/tenants/{tenantId}/keys")).EnumerateArray().Single(k => k.GetProperty("id").GetString() == keyId);
        Assert.NotEqual(JsonValueKind.Null, revoked.GetProperty("revokedAt").ValueKind);

        // A key revoked elsewhere meanwhile: the page's Revoke gets the API's 404, shown as it said it, and the list catches up.
        await page.ClickAsync("a[data-tab=tenants]");
        await page.Locator("#tenants-table a").Filter(new() { HasText = Tenant }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        var firstKeyId = listed.EnumerateArray().Single(k => k.GetProperty("prefix").GetString() == firstKey[..8]).GetProperty("id").GetString();
        using (var elsewhere = await admin.DeleteAsync($"/api/tenants/{tenantId}/keys/{firstKeyId}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, elsewhere.StatusCode);
        }

        await page.ClickAsync($"#key-revoke-{firstKeyId}");
        await page.ClickAsync("#confirm-ok");
        await Assertions.Expect(page.Locator("#revoke-error")).ToContainTextAsync($"Key not found Tenant '{tenantId}' has no active key '{firstKeyId}'. (HTTP 404)");
        await Assertions.Expect(rows.Locator(".badge.revoked")).ToHaveCountAsync(2);

        // Shown once: once the page is left, neither key is anywhere in the document.
        foreach (var key in new[] { firstKey, consumerKey })
        {
            Assert.DoesNotContain(key, await page.ContentAsync(), StringComparison.Ordinal);
        }

        // The system tenant's key is the one this tab signed in with (chosen by the operator: no prefix to show); its
        // Revoke says so before it would sign the tab out.
        await page.ClickAsync("#tenants-back");
        await page.Locator("#tenants-table a").Filter(new() { HasText = "system" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.First).ToContainTextAsync("chosen by the operator (Auth:BootstrapKey)");
        await Assertions.Expect(rows.First.Locator(".badge.own")).ToHaveTextAsync("your key");
        await rows.First.GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
        await Assertions.Expect(page.Locator("#confirm-text")).ToContainTextAsync("It is the key you are signed in with: the dashboard will sign you out.");
        await page.ClickAsync("#confirm button[value=cancel]");
        Assert.Equal(("system", "admin"), await MeAsync(api, LiveApi.AdminKey));

        session.AssertNoPageErrors();
    }

    [Fact]
    public async Task TenantsPage_NonAdminKey_NoTabAndTheApisRefusal()
    {
        await using var api = new LiveApi();
        var (_, key, _) = await api.CreateTenantAsync("scientists");
        await using var session = await BrowserSession.OpenAsync(api.BaseAddress, key, hash: null);
        var page = session.Page;
        await Assertions.Expect(page.Locator("#datasets-table")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("a[data-tab=schedules]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("a[data-tab=tenants]")).ToBeHiddenAsync();

        // Typed by hand, the address gets the API's 403 in its words.
        await page.GotoAsync(api.BaseAddress + "/#/tenants");
        await Assertions.Expect(page.Locator("#page-problem")).ToContainTextAsync("This operation needs the admin role; your key has the data-scientist role. (HTTP 403)");

        // Signed out and in again as an admin, the tab is there; signed out again, it goes with the admin's key.
        await page.ClickAsync("#logout");
        await page.FillAsync("#api-key", LiveApi.AdminKey);
        await page.ClickAsync("#login-form button[type=submit]");
        await Assertions.Expect(page.Locator("a[data-tab=tenants]")).ToBeVisibleAsync();
        await page.ClickAsync("#logout");
        await page.FillAsync("#api-key", key);
        await page.ClickAsync("#login-form button[type=submit]");
        await Assertions.Expect(page.Locator("#who")).ToHaveTextAsync("scientists · data-scientist");
        await Assertions.Expect(page.Locator("a[data-tab=tenants]")).ToBeHiddenAsync();
        session.AssertNoPageErrors();
    }

    /// <summary>The key shown once: Copy puts it on the clipboard exactly as shown; returns it.</summary>
    private static async Task<string> CopyShownKeyAsync(IPage page)
    {
        var shown = await page.InputValueAsync("#new-key-value");
        Assert.StartsWith("eml_", shown, StringComparison.Ordinal);
        await page.ClickAsync("#new-key-copy");
        await Assertions.Expect(page.Locator("#new-key-copy")).ToHaveTextAsync("Copied");
        Assert.Equal(shown, await page.EvaluateAsync<string>("navigator.clipboard.readText()"));
        return shown;
    }

    /// <summary>GET /api/me with <paramref name="key"/> (it must be accepted): the tenant and role it names.</summary>
    private static async Task<(string Tenant, string Role)> MeAsync(LiveApi api, string key)
    {
        using var http = ServingPanelTests.Client(api, key);
        var me = await DashboardTests.GetJsonAsync(http, "/api/me");
        return (me.GetProperty("tenant").GetString()!, me.GetProperty("role").GetString()!);
    }
}
