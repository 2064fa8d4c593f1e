namespace EnterpriseML.Engine.AutoML;

/// <summary>An <see cref="ITrialStore"/> in memory: the default when no registry is attached, and for tests.</summary>
public sealed class InMemoryTrialStore : ITrialStore
{
    private readonly List<TrialRecord> _trials = [];
    private readonly Lock _gate = new();

    public InMemoryTrialStore(IEnumerable<TrialRecord>? recorded = null)
    {
        if (recorded is not null)
        {
            _trials.AddRange(recorded);
        }
    }

    /// <summary>A snapshot of the recorded trials.</summary>
    public IReadOnlyList<TrialRecord> Trials
    {
        get
        {
            lock (_gate)
            {
                return [.. _trials];
            }
        }
    }

    public Task<IReadOnlyList<TrialRecord>> LoadAsync(CancellationToken cancellationToken = default) => Task.FromResult(Trials);

    public Task RecordAsync(TrialRecord trial, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(trial);
        lock (_gate)
        {
            _trials.Add(trial);
        }

        return Task.CompletedTask;
    }
}
