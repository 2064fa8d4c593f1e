namespace EnterpriseML.Engine.Tests;

/// <summary>
/// Tests that assert wall-clock behaviour (budgets, deadlines, cancellation latency) run in this collection, alone,
/// after the parallel ones: on a 2-core machine, trainers running in parallel test classes would otherwise starve
/// their threads and turn a correct deadline into a flaky failure.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingCollection
{
    public const string Name = "Wall-clock timing";
}
