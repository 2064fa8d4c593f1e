using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Jobs;

namespace EnterpriseML.IntegrationTests.Jobs;

/// <summary>
/// The fraud alert threshold's rule of an experiment request (targetRecall or alertBudget, and a schedule's experiment
/// through <see cref="ScheduledExperiment.ToRequest"/>) reaches the cost-sensitive candidate the sweep fits.
/// </summary>
public sealed class AlertRuleRequestTests
{
    private static readonly Lazy<DataTable> Caravan = new(() => CsvTable.Read(TestPaths.Dataset("fraud-coil2000-caravan.csv")));

    [Fact]
    public void Prepare_AlertRuleInTheRequest_ChoosesTheCostSensitiveCandidatesThreshold()
    {
        var direct = new ExperimentRequest("d", "CARAVAN", "insurance", "fraud", 30, "m", AlertBudget: 50);
        var scheduled = new ScheduledExperiment(null, "caravan", "CARAVAN", "insurance", "fraud", 30, "m", AlertBudget: 50).ToRequest("d");
        var recall = new ExperimentRequest("d", "CARAVAN", "insurance", "fraud", 30, "m", TargetRecall: 0.6);
        var none = new ExperimentRequest("d", "CARAVAN", "insurance", "fraud", 30, "m");

        Assert.EndsWith("alert threshold (≤ 50 alerts per 1,000)", FittedPipeline(direct), StringComparison.Ordinal);
        Assert.EndsWith("alert threshold (≤ 50 alerts per 1,000)", FittedPipeline(scheduled), StringComparison.Ordinal);
        Assert.EndsWith("alert threshold (recall ≥ 0.6)", FittedPipeline(recall), StringComparison.Ordinal);
        Assert.EndsWith("alert threshold (recall ≥ 0.8)", FittedPipeline(none), StringComparison.Ordinal);
    }

    private static string FittedPipeline(ExperimentRequest request)
    {
        var prepared = SweepJob.Prepare(Caravan.Value, request);
        var candidate = prepared.Plan.Candidates.Single(c => c.Name == "cost-sensitive-gbdt");
        var fitted = candidate.Fit(new CandidateFitContext(prepared.Train, 3, 1, prepared.Plan.Columns), candidate.SearchSpace.ToParameters(candidate.SearchSpace.DefaultPoint()));
        return ((IDescribedCandidate)fitted).Pipeline;
    }
}
