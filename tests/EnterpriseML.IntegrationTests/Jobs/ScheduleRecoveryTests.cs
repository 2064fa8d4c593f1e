using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EnterpriseML.IntegrationTests.Infrastructure;
using EnterpriseML.Jobs;
using EnterpriseML.Registry;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace EnterpriseML.IntegrationTests.Jobs;

/// <summary>
/// Schedules live in the registry; their cron triggers live in the Quartz job store. When the store loses a trigger
/// (a reset job store, a trigger removed by hand), the next start of a node registers it again from the registry,
/// paused if the schedule is paused, and leaves triggers that exist alone.
/// </summary>
public sealed class ScheduleRecoveryTests
{
    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task Restart_TriggerMissingFromJobStore_IsRegisteredAgainWithItsPause(Backend backend)
    {
        await using var scope = await BackendScope.CreateAsync(backend, "schedrec");
        string tenant;
        long keptNextFire;
        using (var first = new ApiHost(scope))
        {
            using var client = first.Client();
            await CreateAsync(client, "nightly", "0 0 2 * * ?");
            await CreateAsync(client, "weekly", "0 0 3 ? * MON");
            using (var paused = await client.PostAsJsonAsync("/api/schedules/nightly/pause", new { reason = "extract is late" }))
            {
                Assert.True(paused.IsSuccessStatusCode, await paused.Content.ReadAsStringAsync());
            }

            tenant = (await first.Services.GetRequiredService<ScheduleStore>().ListAllAsync()).Single(s => s.Name == "nightly").TenantId;
            var scheduler = await first.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
            Assert.True(await scheduler.DeleteJob(RefreshJob.KeyFor(tenant, "nightly")));
            using var lost = JsonDocument.Parse(await client.GetStringAsync("/api/schedules/nightly"));
            Assert.Equal(JsonValueKind.Null, lost.RootElement.GetProperty("nextFireTime").ValueKind);
            using var weekly = JsonDocument.Parse(await client.GetStringAsync("/api/schedules/weekly"));
            keptNextFire = weekly.RootElement.GetProperty("nextFireTime").GetInt64();
        }

        using var second = new ApiHost(scope);
        using var again = second.Client();
        using var nightly = JsonDocument.Parse(await again.GetStringAsync("/api/schedules/nightly"));
        var root = nightly.RootElement;
        Assert.True(root.GetProperty("nextFireTime").GetInt64() > DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), root.ToString());
        Assert.Equal("Paused", root.GetProperty("triggerState").GetString());
        Assert.True(root.GetProperty("paused").GetBoolean());
        Assert.Equal("extract is late", root.GetProperty("pauseReason").GetString());
        var trigger = await second.Services.GetRequiredService<JobClient>().RefreshTriggerAsync(tenant, "nightly");
        Assert.True(trigger.Exists);

        // The trigger that survived keeps its own next fire time (it was not rewritten).
        using var weeklyAgain = JsonDocument.Parse(await again.GetStringAsync("/api/schedules/weekly"));
        Assert.Equal(keptNextFire, weeklyAgain.RootElement.GetProperty("nextFireTime").GetInt64());
        Assert.Equal("Normal", weeklyAgain.RootElement.GetProperty("triggerState").GetString());
    }

    private static async Task CreateAsync(HttpClient client, string name, string cron)
    {
        using var created = await client.PostAsJsonAsync("/api/schedules", new
        {
            name,
            cron,
            experiment = new { datasetName = "transactions", label = "class", positiveClass = "bad", scenario = "auto", budgetSeconds = 3, modelName = "risk" },
            promotion = new { minimumImprovement = 0.01, evaluateOn = "latest-dataset-holdout" },
        });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
    }
}
