using System.Runtime.CompilerServices;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Featurizers;
using EnterpriseML.Engine.Scenarios;
using Xunit;

namespace EnterpriseML.Engine.Tests.Scenarios;

public sealed class FeaturizationCacheTests
{
    private static DataTable Table() => CsvTable.Read(new MemoryStream("x,y\n1,a\n2,b\n"u8.ToArray()));

    /// <summary>
    /// Two trials featurise the same table at once. The second one's deadline passes while the first is still
    /// featurising: it must stop by its own token. (The cache ran every caller on the first caller's computation and
    /// token, so a sentiment sweep with a short budget abandoned every trial as "did not stop when cancelled".)
    /// </summary>
    [Fact]
    public async Task Get_SecondCallerCancelledWhileTheFirstIsFitting_StopsByItsOwnToken()
    {
        var cache = new ConditionalWeakTable<DataTable, Dictionary<FeaturizerOptions, int>>();
        var table = Table();
        var options = FeaturizerOptions.Trees;
        using var firstStarted = new ManualResetEventSlim();
        using var releaseFirst = new ManualResetEventSlim();
        var first = Task.Run(() => FeaturizationCache.Get(cache, table, options, _ =>
        {
            firstStarted.Set();
            releaseFirst.Wait(TimeSpan.FromSeconds(30), CancellationToken.None);
            return 1;
        }, CancellationToken.None));
        Assert.True(firstStarted.Wait(TimeSpan.FromSeconds(30)));

        using var deadline = new CancellationTokenSource();
        deadline.Cancel();
        var second = Task.Run(() => FeaturizationCache.Get(cache, table, options, token =>
        {
            token.ThrowIfCancellationRequested();
            return 2;
        }, deadline.Token));
        var finished = await Task.WhenAny(second, Task.Delay(TimeSpan.FromSeconds(10)));
        releaseFirst.Set();

        Assert.Same(second, finished);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second);
        Assert.Equal(1, await first);
    }

    [Fact]
    public void Get_AfterAFirstResult_EveryCallerGetsThatResultWithoutFitting()
    {
        var cache = new ConditionalWeakTable<DataTable, Dictionary<FeaturizerOptions, int>>();
        var table = Table();
        var options = FeaturizerOptions.Trees;
        var fits = 0;
        Assert.Equal(7, FeaturizationCache.Get(cache, table, options, _ => { fits++; return 7; }, CancellationToken.None));
        Assert.Equal(7, FeaturizationCache.Get(cache, table, options, _ => { fits++; return 8; }, CancellationToken.None));
        Assert.Equal(1, fits);

        // Another table or other options featurise on their own.
        Assert.Equal(9, FeaturizationCache.Get(cache, Table(), options, _ => 9, CancellationToken.None));
        Assert.Equal(10, FeaturizationCache.Get(cache, table, FeaturizerOptions.Linear, _ => 10, CancellationToken.None));
    }

    [Fact]
    public void Get_CancelledFit_IsNotCachedForTheNextCaller()
    {
        var cache = new ConditionalWeakTable<DataTable, Dictionary<FeaturizerOptions, int>>();
        var table = Table();
        var options = FeaturizerOptions.Trees;
        Assert.Throws<OperationCanceledException>(() => FeaturizationCache.Get<int>(cache, table, options, _ => throw new OperationCanceledException(), CancellationToken.None));
        Assert.Equal(3, FeaturizationCache.Get(cache, table, options, _ => 3, CancellationToken.None));
    }
}
