using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using EnterpriseML.Jobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Quartz;

namespace EnterpriseML.Benchmarks;

/// <summary>
/// Dispatch overhead of the job layer, side by side with bare Quartz on the same PostgreSQL:
/// <c>dispatch [--jobs 500] [--rounds 3] [--postgres CONNECTION]</c>. Each run gets a fresh database. "Ours" is the
/// product's wiring (<see cref="RegistryInitializer.AddEnterpriseMlCore"/>: clustered ADO store, execution limits per
/// tenant group, listeners, the registry) with trivial jobs enqueued through <see cref="JobClient.EnqueueAsync{TJob}"/>
/// exactly as sweeps are (recoverable, tenant execution group, retry policy). "Bare" is a plain Quartz 4.7.3 scheduler
/// with the same store settings (clustered PostgreSQL store, check-in interval, idle wait, thread count, serializer)
/// and plain one-off triggers. The runs alternate ours/bare; each reports jobs/s from the first enqueue to the last
/// job finished. Every job id must run exactly once, or the command fails.
/// </summary>
internal sealed class DispatchBench : IBenchCommand
{
    public string Name => "dispatch";

    public int Run(string[] args)
    {
        var jobs = 500;
        var rounds = 3;
        var postgres = Environment.GetEnvironmentVariable("EML_TEST_POSTGRES") ?? "Host=127.0.0.1;Port=5432;Username=eml;Password=eml;Database=postgres";
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--jobs": jobs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--rounds": rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--postgres": postgres = args[++i]; break;
                default: throw new ArgumentException($"Unknown option '{args[i]}'. Usage: dispatch [--jobs N] [--rounds N] [--postgres CONNECTION]");
            }
        }

        Console.WriteLine($"dispatch: {jobs} trivial jobs per run, {rounds} rounds, {Environment.ProcessorCount} cores");
        Console.WriteLine("| round | layer | enqueue s | all done s | jobs/s |");
        Console.WriteLine("|---:|---|---:|---:|---:|");
        var ours = new List<double>();
        var bare = new List<double>();
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var layer in new[] { "ours", "bare" })
            {
                var (enqueue, done) = RunOnce(layer, postgres, jobs).GetAwaiter().GetResult();
                var rate = jobs / done;
                (layer == "ours" ? ours : bare).Add(rate);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {round} | {layer} | {enqueue:F2} | {done:F2} | {rate:F1} |"));
            }
        }

        var o = Median(ours);
        var b = Median(bare);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"median jobs/s: ours {o:F1}, bare Quartz {b:F1}, ratio {o / b:F2}×"));
        return 0;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static async Task<(double EnqueueSeconds, double DoneSeconds)> RunOnce(string layer, string adminConnection, int count)
    {
        var database = "eml_dispatch_" + Guid.NewGuid().ToString("N")[..12];
        await using (var admin = new NpgsqlConnection(adminConnection))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {database}", admin);
            await create.ExecuteNonQueryAsync();
        }

        var connection = new NpgsqlConnectionStringBuilder(adminConnection) { Database = database }.ConnectionString;
        var data = Directory.CreateTempSubdirectory("eml-dispatch-");
        try
        {
            using var host = layer == "ours" ? OurHost(connection, data.FullName) : BareHost(connection);
            await host.StartAsync();
            var counter = host.Services.GetRequiredService<RunCounter>();
            counter.Reset(count);
            var scheduler = await host.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
            var client = layer == "ours" ? host.Services.GetRequiredService<JobClient>() : null;
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < count; i++)
            {
                var id = i.ToString(CultureInfo.InvariantCulture);
                if (client is not null)
                {
                    await client.EnqueueAsync<TrivialJob>(new JobKey("trivial-" + id, "bench"), new TriggerKey("trivial-" + id, "bench"), TrivialJob.IdKey, id);
                }
                else
                {
                    var job = JobBuilder.Create<TrivialJob>().WithIdentity("trivial-" + id, "bench").UsingJobData(TrivialJob.IdKey, id).Build();
                    await scheduler.ScheduleJob(job, TriggerBuilder.Create().WithIdentity("trivial-" + id, "bench").StartNow().Build());
                }
            }

            var enqueued = clock.Elapsed.TotalSeconds;
            if (!await counter.Done.WaitAsync(TimeSpan.FromMinutes(5)).ContinueWith(t => t.IsCompletedSuccessfully))
            {
                throw new TimeoutException($"{layer}: only {counter.Distinct} of {count} jobs ran within 5 minutes.");
            }

            var done = clock.Elapsed.TotalSeconds;
            await Task.Delay(300);
            if (counter.Duplicates > 0 || counter.Distinct != count)
            {
                throw new InvalidOperationException($"{layer}: {counter.Distinct} distinct jobs ran, {counter.Duplicates} twice; expected {count} once each.");
            }

            await host.StopAsync();
            return (enqueued, done);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await using var admin = new NpgsqlConnection(adminConnection);
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {database} WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
            data.Delete(recursive: true);
        }
    }

    /// <summary>The product's wiring, as the Worker builds it.</summary>
    private static IHost OurHost(string connection, string dataDirectory)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = connection,
            ["Storage:DataDirectory"] = dataDirectory,
            ["Jobs:NodeName"] = "bench-ours",
            ["Jobs:SchedulerName"] = "bench-" + Guid.NewGuid().ToString("N")[..8],
        });
        builder.Logging.ClearProviders();
        builder.Services.AddEnterpriseMlCore(builder.Configuration);
        builder.Services.AddSingleton<RunCounter>();
        builder.Services.AddTransient<TrivialJob>();
        return builder.Build();
    }

    /// <summary>Plain Quartz with the same store settings and thread count as <see cref="OurHost"/>.</summary>
    private static IHost BareHost(string connection)
    {
        var options = new JobsOptions();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddQuartz(q =>
        {
            q.ConfigureScheduler(o =>
            {
                o.InstanceName = "bench-bare-" + Guid.NewGuid().ToString("N")[..8];
                o.InstanceId = "bench-bare";
                o.IdleWaitTime = TimeSpan.FromMilliseconds(options.IdleWaitMilliseconds);
            });
            q.UseDefaultThreadPool(tp => tp.MaxConcurrency = Math.Max(2, options.EffectiveConcurrentSweeps(Environment.ProcessorCount) + 1));
            q.UsePersistentStore(store =>
            {
                store.UseSystemTextJsonSerializer();
                store.UsePostgres(connection);
                store.UseClustering(c =>
                {
                    c.CheckinInterval = TimeSpan.FromSeconds(2);
                    c.CheckinMisfireThreshold = TimeSpan.FromSeconds(6);
                });
                store.ProvisionSchema();
            });
        });
        builder.Services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        builder.Services.AddSingleton<RunCounter>();
        builder.Services.AddTransient<TrivialJob>();
        return builder.Build();
    }

    /// <summary>Counts which job ids ran and completes when all expected ids did.</summary>
    internal sealed class RunCounter
    {
        private ConcurrentDictionary<string, int> _runs = new(StringComparer.Ordinal);
        private TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _expected;

        public Task Done => _done.Task;

        public int Distinct => _runs.Count;

        public int Duplicates => _runs.Values.Count(v => v > 1);

        public void Reset(int expected)
        {
            _runs = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
            _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _expected = expected;
        }

        public void Ran(string id)
        {
            _runs.AddOrUpdate(id, 1, (_, n) => n + 1);
            if (_runs.Count >= _expected)
            {
                _done.TrySetResult();
            }
        }
    }

    /// <summary>A job that does nothing but say it ran.</summary>
    internal sealed class TrivialJob(RunCounter counter) : IJob
    {
        public const string IdKey = "id";

        public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
        {
            counter.Ran(context.MergedJobDataMap.GetString(IdKey)!);
            return ValueTask.CompletedTask;
        }
    }
}
