using System.Net;
using System.Text.Json;
using Dapper;
using EnterpriseML.IntegrationTests.Infrastructure;
using EnterpriseML.Registry;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EnterpriseML.IntegrationTests.Jobs;

/// <summary>
/// A cancel racing the end of a sweep, on PostgreSQL, driven by row locks rather than timing: whichever comes first,
/// the experiment's status, the cancel's answer and the model versions agree.
/// </summary>
public sealed class CancelRaceTests
{
    /// <summary>
    /// The sweep checked for a cancel, stored its model version, then marked the experiment succeeded, each a separate
    /// step: a cancel committed between the version and the "succeeded" was answered 200, the experiment stayed
    /// cancelled, and the version stayed too (a cancelled experiment with a model, although the README promises none).
    /// Now the version and the "succeeded" are one transaction. Here the cancel is queued on the experiment's row
    /// before the sweep reaches it, so the cancel wins: 200, cancelled, and no version.
    /// </summary>
    [Fact]
    public async Task Cancel_QueuedAheadOfTheSweepsSucceeded_NoModelVersionIsStored()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Postgres, "cancelrace");
        using var api = new ApiHost(scope);
        using var client = api.Client();
        var tenant = await TenantIdAsync(client);
        var datasetId = await ExperimentFlowTests.UploadAsync(client, "credit-german-statlog.csv");
        // A first version, so the model has a row to lock before the sweep gets to store its own.
        await api.Services.GetRequiredService<ModelStore>().AddVersionAsync(tenant, "race", "Binary", [1], "{}", "{}", null, "{}", "test");

        await using var modelGate = new NpgsqlConnection(scope.Postgres);
        await modelGate.OpenAsync();
        await using var modelLock = await modelGate.BeginTransactionAsync();
        await modelGate.ExecuteAsync("SELECT 1 FROM models WHERE name = 'race' FOR UPDATE", transaction: modelLock);
        var id = await ExperimentFlowTests.SubmitAsync(client, datasetId, 60, seed: 1, modelName: "race", maxTrials: 4);
        await Waits.LockWaitersAsync(scope.Postgres!, "FROM models WHERE", 1, "the sweep's store to wait for the model lock");

        await using var experimentGate = new NpgsqlConnection(scope.Postgres);
        await experimentGate.OpenAsync();
        await using var experimentLock = await experimentGate.BeginTransactionAsync();
        await experimentGate.ExecuteAsync("SELECT 1 FROM experiments WHERE id = @id FOR UPDATE", new { id }, experimentLock);
        var cancel = client.PostAsync($"/api/experiments/{id}/cancel", null);
        await Waits.LockWaitersAsync(scope.Postgres!, "UPDATE experiments SET status", 1, "the cancel to wait for the experiment's row");
        await modelLock.CommitAsync();
        await Waits.LockWaitersAsync(scope.Postgres!, "UPDATE experiments SET status", 2, "the sweep, its version written, to queue behind the cancel");
        await experimentLock.CommitAsync();

        using (var cancelled = await cancel)
        {
            Assert.True(cancelled.StatusCode == HttpStatusCode.OK, await cancelled.Content.ReadAsStringAsync());
        }

        using var done = await ExperimentFlowTests.WaitAsync(client, id, 120);
        Assert.Equal("cancelled", done.RootElement.GetProperty("status").GetString());
        Assert.Equal("cancelled", done.RootElement.GetProperty("attempts").EnumerateArray().Last().GetProperty("outcome").GetString());
        using var model = JsonDocument.Parse(await client.GetStringAsync("/api/models/race"));
        var versions = model.RootElement.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("version").GetInt64()).ToList();
        Assert.True(versions.SequenceEqual([1L]), model.RootElement.ToString());
        Assert.DoesNotContain(model.RootElement.GetProperty("history").EnumerateArray(), h => h.GetProperty("who").GetString() == $"experiment:{id}");
    }

    /// <summary>
    /// The 409 of a cancel named the status read before the cancel was tried: an experiment that finished in between
    /// was said to be "queued" or "running" in a 409 whose title says it finished. It now names the status that refused
    /// the cancel. The experiment's row is held by an uncommitted "succeeded" while the cancel reads it.
    /// </summary>
    [Fact]
    public async Task Cancel_ExperimentFinishesWhileTheCancelWaits_409NamesTheStatusItFinishedWith()
    {
        await using var scope = await BackendScope.CreateAsync(Backend.Postgres, "cancel409");
        using var api = new ApiHost(scope, new() { ["Jobs:RunWorker"] = "false" });
        using var client = api.Client();
        var datasetId = await ExperimentFlowTests.UploadAsync(client, "credit-german-statlog.csv");
        var id = await ExperimentFlowTests.SubmitAsync(client, datasetId, 60, seed: 1, modelName: "late", maxTrials: 4);

        await using var gate = new NpgsqlConnection(scope.Postgres);
        await gate.OpenAsync();
        await using var finishing = await gate.BeginTransactionAsync();
        await gate.ExecuteAsync("UPDATE experiments SET status = 'succeeded', finished_at = 1 WHERE id = @id", new { id }, finishing);
        var cancel = client.PostAsync($"/api/experiments/{id}/cancel", null);
        await Waits.LockWaitersAsync(scope.Postgres!, "UPDATE experiments SET status", 1, "the cancel to wait for the experiment's row");
        await finishing.CommitAsync();

        using var refused = await cancel;
        var body = await refused.Content.ReadAsStringAsync();
        Assert.True(refused.StatusCode == HttpStatusCode.Conflict, body);
        using var problem = JsonDocument.Parse(body);
        Assert.Equal($"Experiment '{id}' is succeeded.", problem.RootElement.GetProperty("detail").GetString());
    }

    internal static async Task<string> TenantIdAsync(HttpClient client)
    {
        using var me = JsonDocument.Parse(await client.GetStringAsync("/api/me"));
        return me.RootElement.GetProperty("tenantId").GetString()!;
    }
}
