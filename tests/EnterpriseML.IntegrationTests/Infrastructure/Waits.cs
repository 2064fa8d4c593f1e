using System.Text.Json;
using Dapper;
using Npgsql;

namespace EnterpriseML.IntegrationTests.Infrastructure;

/// <summary>Polls for states that tests drive interleavings and process kills by.</summary>
internal static class Waits
{
    /// <summary>
    /// How many other sessions wait on a lock in a statement containing <paramref name="statement"/> (compared without
    /// case: Quartz spells its tables in either).
    /// </summary>
    public static async Task<long> LockWaiterCountAsync(string connectionString, string statement)
    {
        await using var c = new NpgsqlConnection(connectionString);
        await c.OpenAsync();
        return await c.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock' AND strpos(upper(query), upper(@statement)) > 0",
            new { statement });
    }

    /// <summary>Polls until at least <paramref name="count"/> other sessions wait on a lock in a statement containing <paramref name="statement"/>.</summary>
    public static Task<object> LockWaitersAsync(string connectionString, string statement, int count, string what, TimeSpan? deadline = null) => Processes.PollAsync(
        async () => await LockWaiterCountAsync(connectionString, statement) >= count ? (object)true : null, deadline ?? TimeSpan.FromSeconds(120), what);

    /// <summary>
    /// The client of <paramref name="request"/>, whose statement waits on a lock <paramref name="held"/> holds, hangs up;
    /// the cancelled statement gets up to 10 s to leave the lock queue (one the server goes on with keeps waiting), then
    /// the lock is released and the request awaited, answered or hung up.
    /// </summary>
    public static async Task HangUpThenReleaseAsync(CancellationTokenSource hangUp, string connectionString, string statement, NpgsqlTransaction held, Task<HttpResponseMessage> request)
    {
        await hangUp.CancelAsync();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(10) && await LockWaiterCountAsync(connectionString, statement) > 0)
        {
            await Task.Delay(200);
        }

        await held.CommitAsync();
        await held.DisposeAsync();
        try
        {
            // The in-process test server may still finish the request once the lock is free; the client has gone either way.
            using var answered = await request;
        }
        catch (OperationCanceledException)
        {
            // Hung up, as intended.
        }
    }

    /// <summary>A running experiment that has recorded a trial: its id and the node that ran its first trial.</summary>
    public static async Task<(string Id, string Node)> RunningExperimentWithATrialAsync(HttpClient client, string what)
    {
        var found = await Processes.PollAsync<string[]>(async () =>
        {
            using var list = JsonDocument.Parse(await client.GetStringAsync("/api/experiments?status=running"));
            foreach (var e in list.RootElement.GetProperty("items").EnumerateArray())
            {
                var id = e.GetProperty("id").GetString()!;
                using var doc = JsonDocument.Parse(await client.GetStringAsync($"/api/experiments/{id}"));
                var trials = doc.RootElement.GetProperty("trials");
                if (trials.GetArrayLength() >= 1)
                {
                    return [id, trials[0].GetProperty("node").GetString()!];
                }
            }

            return null;
        }, TimeSpan.FromSeconds(120), what);
        return (found[0], found[1]);
    }
}
