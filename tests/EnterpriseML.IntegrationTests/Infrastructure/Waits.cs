using System.Text.Json;
using Dapper;
using Npgsql;

namespace EnterpriseML.IntegrationTests.Infrastructure;

/// <summary>Polls for states that tests drive interleavings and process kills by.</summary>
internal static class Waits
{
    /// <summary>
    /// Polls pg_stat_activity until at least <paramref name="count"/> other sessions wait on a lock in a statement
    /// containing <paramref name="statement"/>.
    /// </summary>
    public static Task<object> LockWaitersAsync(string connectionString, string statement, int count, string what, TimeSpan? deadline = null) => Processes.PollAsync(async () =>
    {
        await using var c = new NpgsqlConnection(connectionString);
        await c.OpenAsync();
        var waiting = await c.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock' AND strpos(query, @statement) > 0",
            new { statement });
        return waiting >= count ? (object)true : null;
    }, deadline ?? TimeSpan.FromSeconds(120), what);

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
