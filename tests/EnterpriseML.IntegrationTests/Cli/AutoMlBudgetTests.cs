using EnterpriseML.Cli.Commands;

namespace EnterpriseML.IntegrationTests.Cli;

/// <summary>How <c>eml automl</c> shares a short <c>--budget</c> between reading, the sweep and the report.</summary>
public sealed class AutoMlBudgetTests
{
    /// <summary>
    /// The sweep never runs past the budget less the report's reserve, however long reading took; the 0.5 s floor
    /// for short budgets applies only within it. Before, the floor alone gave a 1 s budget whose reading took 0.6 s a
    /// 0.5 s sweep (ending at 1.1 s before the report).
    /// </summary>
    [Theory]
    [InlineData(1.0, 0.6, 0.03)]
    [InlineData(1.0, 0.45, 0.03)]
    [InlineData(2.0, 1.2, 0.03)]
    [InlineData(3.0, 2.5, 0.03)]
    [InlineData(1.0, 0.6, 0.05)]
    public void SweepSeconds_ShortBudgetLateReading_EndsWithinTheBudget(double budget, double elapsed, double reserveFraction)
    {
        var left = AutoMlCommand.SweepSeconds(budget, elapsed, reserveFraction);
        Assert.InRange(elapsed + left, 0, (1 - reserveFraction) * budget + 1e-12);
        Assert.InRange(left, AutoMlCommand.MinimumSweepSeconds, 0.5);
    }

    /// <summary>Budgets with time to spare share it as before: what is left less the reserve, at least 0.5 s.</summary>
    [Theory]
    [InlineData(60.0, 0.5, 0.03, 57.2)]
    [InlineData(1.0, 0.1, 0.03, 0.77)]
    [InlineData(1.0, 0.3, 0.03, 0.5)]
    [InlineData(10.0, 1.0, 0.05, 7.5)]
    public void SweepSeconds_TimeToSpare_Unchanged(double budget, double elapsed, double reserveFraction, double expected) =>
        Assert.Equal(expected, AutoMlCommand.SweepSeconds(budget, elapsed, reserveFraction), 9);

    [Fact]
    public void SweepSeconds_ReadingTookTheBudget_PreciseError()
    {
        var error = Assert.Throws<ArgumentException>(() => AutoMlCommand.SweepSeconds(1, 0.95, 0.03));
        Assert.Equal("--budget 1 s: reading the data took 0.95 s, which leaves 0.02 s for the sweep, less than the 0.1 s it needs to start; a larger --budget gives it time.", error.Message);
    }

    /// <summary>
    /// A budget that reading alone uses up stops the command with that error at once and writes nothing. Before, the
    /// sweep still got 0.5 s, ten times the budget, and ended with a winner or "no trial finished in time".
    /// </summary>
    [Fact]
    public async Task RunAsync_BudgetUsedUpByReading_FailsNamingTheBudgetAndWritesNothing()
    {
        var output = Path.Combine(Directory.CreateTempSubdirectory("eml-automl-budget-").FullName, "out");
        var request = new AutoMlRequest(TestPaths.Dataset("credit-german-statlog.csv"), null, "class", "bad", "credit", Budget: 0.05, Seed: 0, Ignore: [],
            Out: output, Json: true, Threads: 1, null, null, "cost-frugal");
        using var writer = new StringWriter();

        var error = await Assert.ThrowsAsync<ArgumentException>(() => AutoMlCommand.RunAsync(request, writer, CancellationToken.None));

        Assert.StartsWith("--budget 0.05 s: reading the data took ", error.Message, StringComparison.Ordinal);
        Assert.Empty(writer.ToString());
        Assert.False(Directory.Exists(output));
        Directory.Delete(Path.GetDirectoryName(output)!, recursive: true);
    }
}
