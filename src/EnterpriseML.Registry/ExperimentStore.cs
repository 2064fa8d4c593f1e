using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Serialization;
using Dapper;
using EnterpriseML.Engine.AutoML;

namespace EnterpriseML.Registry;

/// <summary>One experiment row.</summary>
public sealed record ExperimentRecord(
    string Id, string TenantId, string DatasetId, string ModelName, string Scenario, string Status, string Request,
    string? Progress, string? Leaderboard, string? Winner, string? Report, string? Error, long ElapsedMs,
    string? ScheduleName, long CreatedAt, long? StartedAt, long? FinishedAt);

/// <summary>One run of an experiment's job on one node.</summary>
public sealed class AttemptRecord
{
    public long Attempt { get; init; }

    public string Node { get; init; } = "";

    public long StartedAt { get; init; }

    public long? EndedAt { get; init; }

    public string? Outcome { get; init; }
}

/// <summary>One persisted trial row (the dashboard's trials list).</summary>
public sealed class TrialRow
{
    public long Trial { get; init; }

    public string? Node { get; init; }

    public double? Score { get; init; }

    public double? ElapsedSeconds { get; init; }

    public string Candidate { get; init; } = "";

    /// <summary>The candidate's kind as recorded: <c>General</c> or <c>Specialised</c>.</summary>
    public string Kind { get; init; } = "";

    /// <summary>The <see cref="TrialStatus"/> name as recorded: <c>Succeeded</c>, <c>Failed</c>, <c>Pruned</c> or <c>TimedOut</c>.</summary>
    public string Status { get; init; } = "";

    /// <summary>Why a trial that did not succeed ended: the candidate's exception message or the constraint that stopped it.</summary>
    public string? Error { get; init; }
}

/// <summary>Experiments, their attempts and their finished trials.</summary>
public sealed class ExperimentStore(RegistryDatabase database, TimeProvider time)
{
    /// <summary>The JSON form of a persisted <see cref="TrialRecord"/> (NaN scores kept as named literals).</summary>
    public static readonly JsonSerializerOptions TrialJson = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    private const string Columns = "id AS Id, tenant_id AS TenantId, dataset_id AS DatasetId, model_name AS ModelName, scenario AS Scenario, status AS Status, request AS Request, progress AS Progress, leaderboard AS Leaderboard, winner AS Winner, report AS Report, error AS Error, elapsed_ms AS ElapsedMs, schedule_name AS ScheduleName, created_at AS CreatedAt, started_at AS StartedAt, finished_at AS FinishedAt";

    private long Now => time.GetUtcNow().ToUnixTimeMilliseconds();

    public async Task<ExperimentRecord> CreateAsync(string tenantId, string datasetId, string modelName, string scenario, string request, string? scheduleName, CancellationToken cancellationToken = default)
    {
        var record = new ExperimentRecord(TenantStore.NewId(), tenantId, datasetId, modelName, scenario, "queued", request, null, null, null, null, null, 0, scheduleName, Now, null, null);
        await using var c = await database.OpenAsync(cancellationToken);
        await c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO experiments (id, tenant_id, dataset_id, model_name, scenario, status, request, elapsed_ms, schedule_name, created_at) VALUES (@Id, @TenantId, @DatasetId, @ModelName, @Scenario, @Status, @Request, 0, @ScheduleName, @CreatedAt)",
            record, cancellationToken: cancellationToken));
        return record;
    }

    /// <summary>The ids of every queued or running experiment that no schedule started (oldest first), across tenants.</summary>
    public async Task<IReadOnlyList<string>> UnfinishedIdsAsync(CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        return [.. await c.QueryAsync<string>(new CommandDefinition(
            "SELECT id FROM experiments WHERE status IN ('queued', 'running') AND schedule_name IS NULL ORDER BY created_at, id", cancellationToken: cancellationToken))];
    }

    /// <summary>Removes an experiment that never started (its job could not be queued); false when it has started or is gone.</summary>
    public async Task<bool> DeleteQueuedAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        return await c.ExecuteAsync(new CommandDefinition(
            "DELETE FROM experiments WHERE id = @id AND status = 'queued'", new { id }, cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>The experiment, scoped to a tenant (null tenant: any, for jobs).</summary>
    public async Task<ExperimentRecord?> GetAsync(string? tenantId, string id, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        return await c.QuerySingleOrDefaultAsync<ExperimentRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM experiments WHERE id = @id AND (@tenantId IS NULL OR tenant_id = @tenantId)", new { id, tenantId }, cancellationToken: cancellationToken));
    }

    /// <summary>The newest queued or running experiment a schedule started (what a recovered refresh resumes), or null.</summary>
    public async Task<ExperimentRecord?> FindUnfinishedForScheduleAsync(string tenantId, string scheduleName, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        return await c.QueryFirstOrDefaultAsync<ExperimentRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM experiments WHERE tenant_id = @tenantId AND schedule_name = @scheduleName AND status IN ('queued', 'running') ORDER BY created_at DESC, id DESC LIMIT 1",
            new { tenantId, scheduleName }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// The newest experiment of the schedule that succeeded (its challenger is stored) but whose refresh was never
    /// recorded: its node died between storing the challenger and recording the decision. Only experiments created since
    /// the schedule was (<paramref name="scheduleCreatedAt"/>) count, so one of a deleted schedule of the same name
    /// (whose refresh had nowhere to be recorded) is not decided by a new one. Null when there is none.
    /// </summary>
    public async Task<ExperimentRecord?> FindUndecidedForScheduleAsync(string tenantId, string scheduleName, long scheduleCreatedAt, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        return await c.QueryFirstOrDefaultAsync<ExperimentRecord>(new CommandDefinition(
            $"""
            SELECT {Columns} FROM experiments e
            WHERE tenant_id = @tenantId AND schedule_name = @scheduleName AND status = 'succeeded' AND created_at >= @scheduleCreatedAt
              AND NOT EXISTS (SELECT 1 FROM schedule_refreshes r WHERE r.tenant_id = e.tenant_id AND r.schedule_name = e.schedule_name AND r.experiment_id = e.id)
            ORDER BY created_at DESC, id DESC LIMIT 1
            """,
            new { tenantId, scheduleName, scheduleCreatedAt }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// <see cref="FindUnfinishedForScheduleAsync"/> for every schedule of the tenant at once, in one query: each schedule
    /// that has a queued or running experiment, by name, with its newest such experiment.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, ExperimentRecord>> FindUnfinishedBySchedulesAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var unfinished = await c.QueryAsync<ExperimentRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM experiments WHERE tenant_id = @tenantId AND schedule_name IS NOT NULL AND status IN ('queued', 'running') ORDER BY created_at DESC, id DESC",
            new { tenantId }, cancellationToken: cancellationToken));
        var newest = new Dictionary<string, ExperimentRecord>(StringComparer.Ordinal);
        foreach (var experiment in unfinished)
        {
            newest.TryAdd(experiment.ScheduleName!, experiment);
        }

        return newest;
    }

    public async Task<(IReadOnlyList<ExperimentRecord> Items, long Total)> ListAsync(string tenantId, string? status, int skip, int take, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var args = new { tenantId, status, skip, take };
        var items = await c.QueryAsync<ExperimentRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM experiments WHERE tenant_id = @tenantId AND (@status IS NULL OR status = @status) ORDER BY created_at DESC, id LIMIT @take OFFSET @skip", args, cancellationToken: cancellationToken));
        var total = await c.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM experiments WHERE tenant_id = @tenantId AND (@status IS NULL OR status = @status)", args, cancellationToken: cancellationToken));
        return ([.. items], total);
    }

    /// <summary>
    /// Marks a submitted experiment running if its tenant has fewer than <paramref name="maxRunningPerTenant"/>
    /// experiments running, cluster-wide; one that is already running (a recovery or a retry of its own sweep) always
    /// may go on. The count and the update are one step: on PostgreSQL under a transaction-scoped advisory lock on the
    /// tenant, so two nodes cannot both take the last slot; on SQLite a single UPDATE, which the database's write lock
    /// serialises.
    /// </summary>
    public async Task<StartOutcome> TryStartAsync(string id, string tenantId, int maxRunningPerTenant, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        await using var tx = await c.BeginTransactionAsync(cancellationToken);
        if (database.Dialect == SqlDialect.Postgres)
        {
            await c.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@space, hashtext(@tenantId))",
                new { space = TenantStartLockSpace, tenantId }, tx, cancellationToken: cancellationToken));
        }

        var updated = await c.ExecuteAsync(new CommandDefinition(
            """
            UPDATE experiments SET status = 'running', started_at = COALESCE(started_at, @now)
            WHERE id = @id AND (status = 'running' OR (status = 'queued' AND
                (SELECT COUNT(*) FROM experiments WHERE tenant_id = @tenantId AND status = 'running') < @maxRunningPerTenant))
            """,
            new { id, tenantId, maxRunningPerTenant, now = Now }, tx, cancellationToken: cancellationToken));
        var outcome = updated == 1 ? StartOutcome.Started
            : await c.ExecuteScalarAsync<string?>(new CommandDefinition("SELECT status FROM experiments WHERE id = @id", new { id }, tx, cancellationToken: cancellationToken)) == "queued"
                ? StartOutcome.TenantBusy
                : StartOutcome.Ended;
        await tx.CommitAsync(cancellationToken);
        return outcome;
    }

    /// <summary>The first key of the PostgreSQL advisory locks <see cref="TryStartAsync"/> takes, one per tenant ("EMLT").</summary>
    private const int TenantStartLockSpace = 0x454D4C54;

    /// <summary>Marks the experiment running unless it already ended; false when it is finished (or cancelled).</summary>
    public async Task<bool> MarkRunningAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        return await c.ExecuteAsync(new CommandDefinition(
            "UPDATE experiments SET status = 'running', started_at = COALESCE(started_at, @now) WHERE id = @id AND status IN ('queued', 'running')",
            new { id, now = Now }, cancellationToken: cancellationToken)) == 1;
    }

    public async Task UpdateProgressAsync(string id, string progress, long elapsedMs, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        await c.ExecuteAsync(new CommandDefinition(
            "UPDATE experiments SET progress = @progress, elapsed_ms = @elapsedMs WHERE id = @id", new { id, progress, elapsedMs }, cancellationToken: cancellationToken));
    }

    /// <summary>Ends the experiment with a final status (only from queued or running, so a cancel is never overwritten).</summary>
    public async Task<bool> FinishAsync(string id, string status, string? error, string? leaderboard, string? winner, string? report, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        return await c.ExecuteAsync(new CommandDefinition(
            "UPDATE experiments SET status = @status, error = @error, leaderboard = COALESCE(@leaderboard, leaderboard), winner = COALESCE(@winner, winner), report = COALESCE(@report, report), finished_at = @now WHERE id = @id AND status IN ('queued', 'running')",
            new { id, status, error, leaderboard, winner, report, now = Now }, cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>
    /// Marks the experiment succeeded, and <paramref name="attempt"/> ended as such, inside <paramref name="transaction"/>
    /// (the one that stores its model version), only while it is queued or running and <paramref name="attempt"/> is its latest attempt. Otherwise throws
    /// <see cref="ExperimentEndedException"/> (a cancel landed after the sweep's last check) or
    /// <see cref="AttemptSupersededException"/>, so the caller's transaction, and the version with it, is rolled back.
    /// </summary>
    public async Task FinishSucceededAsync(DbConnection connection, DbTransaction transaction, string id, int attempt, string? leaderboard, string? winner, string? report, CancellationToken cancellationToken = default)
    {
        var updated = await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE experiments SET status = 'succeeded', error = NULL, leaderboard = COALESCE(@leaderboard, leaderboard), winner = COALESCE(@winner, winner), report = COALESCE(@report, report), finished_at = @now
            WHERE id = @id AND status IN ('queued', 'running')
              AND NOT EXISTS (SELECT 1 FROM experiment_attempts WHERE experiment_id = @id AND attempt > @attempt)
            """,
            new { id, attempt, leaderboard, winner, report, now = Now }, transaction, cancellationToken: cancellationToken));
        if (updated == 1)
        {
            // The attempt ends with the experiment: closed afterwards, a process killed in between left a succeeded
            // experiment whose last attempt never ended, and no later attempt ever closed it.
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE experiment_attempts SET ended_at = @now, outcome = 'succeeded' WHERE experiment_id = @id AND attempt = @attempt",
                new { id, attempt, now = Now }, transaction, cancellationToken: cancellationToken));
            return;
        }

        var status = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT status FROM experiments WHERE id = @id", new { id }, transaction, cancellationToken: cancellationToken));
        if (status is "queued" or "running")
        {
            throw new AttemptSupersededException(id, attempt);
        }

        throw new ExperimentEndedException(id, status ?? "deleted");
    }

    public async Task<int> StartAttemptAsync(string id, string node, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var next = await c.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT COALESCE(MAX(attempt), 0) + 1 FROM experiment_attempts WHERE experiment_id = @id", new { id }, cancellationToken: cancellationToken));
        // An attempt left open by a crashed node is closed as such.
        await c.ExecuteAsync(new CommandDefinition(
            "UPDATE experiment_attempts SET outcome = 'crashed' WHERE experiment_id = @id AND outcome IS NULL", new { id }, cancellationToken: cancellationToken));
        await c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO experiment_attempts (experiment_id, attempt, node, started_at) VALUES (@id, @next, @node, @now)",
            new { id, next, node, now = Now }, cancellationToken: cancellationToken));
        return next;
    }

    /// <summary>
    /// Whether <paramref name="attempt"/> is still the experiment's latest attempt. A later one means another node
    /// took the sweep over (the cluster recovered it from a node that missed its check-ins while still running).
    /// </summary>
    public async Task<bool> IsLatestAttemptAsync(string id, int attempt, CancellationToken cancellationToken = default) =>
        !(await OwnershipAsync(id, attempt, cancellationToken)).Superseded;

    /// <summary>
    /// In one query, what a running sweep watches: the experiment's status (null when it no longer exists) and whether
    /// a later attempt than <paramref name="attempt"/> exists (another node took the sweep over).
    /// </summary>
    public async Task<(string? Status, bool Superseded)> OwnershipAsync(string id, int attempt, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var state = await c.QuerySingleOrDefaultAsync<(string? Status, long Later)>(new CommandDefinition(
            "SELECT (SELECT status FROM experiments WHERE id = @id), (SELECT COUNT(*) FROM experiment_attempts WHERE experiment_id = @id AND attempt > @attempt)",
            new { id, attempt }, cancellationToken: cancellationToken));
        return (state.Status, state.Later > 0);
    }

    /// <summary>
    /// Checked just before a sweep stores its model: throws <see cref="AttemptSupersededException"/> when a later attempt
    /// of the experiment exists, and <see cref="ExperimentEndedException"/> when the experiment has ended meanwhile (a
    /// cancel the sweep's once-a-second watch has not seen yet), so neither stores a model version.
    /// </summary>
    public async Task EnsureStillOwnedAsync(string id, int attempt, CancellationToken cancellationToken = default)
    {
        var state = await OwnershipAsync(id, attempt, cancellationToken);
        if (state.Superseded)
        {
            throw new AttemptSupersededException(id, attempt);
        }

        if (state.Status is not ("queued" or "running"))
        {
            throw new ExperimentEndedException(id, state.Status ?? "deleted");
        }
    }

    public async Task EndAttemptAsync(string id, int attempt, string outcome, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        await c.ExecuteAsync(new CommandDefinition(
            "UPDATE experiment_attempts SET ended_at = @now, outcome = @outcome WHERE experiment_id = @id AND attempt = @attempt",
            new { id, attempt, outcome, now = Now }, cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<AttemptRecord>> AttemptsAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        return [.. await c.QueryAsync<AttemptRecord>(new CommandDefinition(
            "SELECT attempt AS Attempt, node AS Node, started_at AS StartedAt, ended_at AS EndedAt, outcome AS Outcome FROM experiment_attempts WHERE experiment_id = @id ORDER BY attempt",
            new { id }, cancellationToken: cancellationToken))];
    }

    public async Task<IReadOnlyList<TrialRecord>> LoadTrialsAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var payloads = await c.QueryAsync<string>(new CommandDefinition(
            "SELECT payload FROM trials WHERE experiment_id = @id AND payload IS NOT NULL ORDER BY trial", new { id }, cancellationToken: cancellationToken));
        return [.. payloads.Select(p => JsonSerializer.Deserialize<TrialRecord>(p, TrialJson)!)];
    }

    /// <summary>Persists one finished trial (idempotent on the trial index).</summary>
    public async Task RecordTrialAsync(string id, TrialRecord trial, string node, CancellationToken cancellationToken = default)
    {
        var payload = JsonSerializer.Serialize(trial, TrialJson);
        var parameters = JsonSerializer.Serialize(trial.Parameters.ToDictionary(p => p.Key, p => p.Value));
        await using var c = await database.OpenAsync(cancellationToken);
        await c.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO trials (experiment_id, trial, candidate, kind, parameters, status, score, error, fit_seconds, elapsed_seconds, payload, node, created_at)
            VALUES (@id, @Index, @Candidate, @kind, @parameters, @status, @score, @Error, @FitSeconds, @FinishedAtSeconds, @payload, @node, @now)
            ON CONFLICT (experiment_id, trial) DO NOTHING
            """,
            new
            {
                id, trial.Index, trial.Candidate, kind = trial.Kind.ToString(), parameters, status = trial.Status.ToString(),
                score = double.IsFinite(trial.ValidationScore) ? trial.ValidationScore : (double?)null,
                trial.Error, trial.FitSeconds, trial.FinishedAtSeconds, payload, node, now = Now,
            },
            cancellationToken: cancellationToken));
    }

    /// <summary>The experiment's recorded trials in index order (the API's and the dashboard's trials list).</summary>
    public async Task<IReadOnlyList<TrialRow>> TrialRowsAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var rows = await c.QueryAsync<TrialRow>(new CommandDefinition(
            """
            SELECT trial AS Trial, node AS Node, score AS Score, elapsed_seconds AS ElapsedSeconds, candidate AS Candidate, kind AS Kind,
                   status AS Status, error AS Error
            FROM trials WHERE experiment_id = @id ORDER BY trial
            """, new { id }, cancellationToken: cancellationToken));
        return [.. rows];
    }
}

/// <summary>What <see cref="ExperimentStore.TryStartAsync"/> did.</summary>
public enum StartOutcome
{
    /// <summary>The experiment is running (it was queued and its tenant had a slot, or it was running already).</summary>
    Started,

    /// <summary>Still queued: its tenant already runs as many experiments as it may.</summary>
    TenantBusy,

    /// <summary>It ended (succeeded, failed or cancelled) or no longer exists: nothing to run.</summary>
    Ended,
}

/// <summary>
/// Another node took the experiment's sweep over (a later attempt exists): this run must store nothing more, so one
/// experiment never stores two model versions.
/// </summary>
public sealed class AttemptSupersededException(string experimentId, int attempt)
    : Exception($"Attempt {attempt} of experiment {experimentId} was taken over by a later attempt on another node.");

/// <summary>The experiment ended (it was cancelled) while its sweep ran: the sweep stops without storing a model.</summary>
public sealed class ExperimentEndedException(string experimentId, string status)
    : OperationCanceledException($"Experiment {experimentId} is {status}; its sweep stops without storing a model.");
