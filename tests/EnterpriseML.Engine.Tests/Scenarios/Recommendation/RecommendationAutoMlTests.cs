using System.Text.Json;
using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Recommendation;
using EnterpriseML.Engine.Scenarios.Recommendation;
using EnterpriseML.Engine.Tests.AutoML;
using EnterpriseML.Engine.Tests.Recommendation;
using EnterpriseML.Engine.Trainers.Neighbors;
using EnterpriseML.Engine.Tuning;

namespace EnterpriseML.Engine.Tests.Scenarios.Recommendation;

public sealed class RecommendationAutoMlTests
{
    /// <summary>MovieLens-small restricted to every fifth user (about 20 k ratings), so a sweep takes a few seconds.</summary>
    private static readonly Lazy<InteractionSet> Subsample = new(() =>
    {
        var data = RecommendationData.MovieLens;
        var rows = new List<int>();
        for (var i = 0; i < data.Count; i++)
        {
            if (int.Parse(data.Users[data.UserIndices[i]], System.Globalization.CultureInfo.InvariantCulture) % 5 == 0)
            {
                rows.Add(i);
            }
        }

        return data.Select([.. rows]);
    });

    /// <summary>
    /// When the refit does not fit the budget (the clock jumps past it as the refit starts), the kept validation-fold
    /// model still excludes every interaction a user had, the held-out ones included.
    /// </summary>
    [Fact]
    public void Run_NoTimeToRefit_FoldModelNeverRecommendsAnItemTheUserHas()
    {
        var data = Subsample.Value;
        var clock = new JumpingClock();
        var options = new RecommendationAutoMlOptions { BudgetSeconds = 600, MaximumTrials = 2, Seed = 3, MaximumDegreeOfParallelism = 2, Time = clock };

        var result = RecommendationAutoMl.Run(data, options, clock);

        Assert.False(result.Sweep.RefittedOnAllData);
        var had = new HashSet<(int User, int Item)>();
        for (var i = 0; i < data.Count; i++)
        {
            had.Add((data.UserIndices[i], data.ItemIndices[i]));
        }

        var recommended = 0;
        for (var u = 0; u < data.Users.Count; u++)
        {
            foreach (var item in result.Model.Recommend(data.Users[u], 20).Items)
            {
                recommended++;
                Assert.True(data.Items.TryGetIndex(item.ItemId, out var i));
                Assert.False(had.Contains((u, i)), $"User {data.Users[u]} was recommended {item.ItemId}, which they already have.");
            }
        }

        Assert.True(recommended > 0);
    }

    /// <summary>A clock that jumps an hour ahead when the sweep reports that it starts the refit.</summary>
    private sealed class JumpingClock : TimeProvider, IProgress<SweepEvent>
    {
        private long _offset;

        public override long GetTimestamp() => base.GetTimestamp() + _offset;

        public void Report(SweepEvent value)
        {
            if (value.Kind == SweepEventKind.Refitting)
            {
                _offset += 3600 * TimestampFrequency;
            }
        }
    }

    [Fact]
    public void Run_MovieLensDefaults_BothKindsOnTheReportWithATrueTradeOffAndADeterministicScore()
    {
        var options = new RecommendationAutoMlOptions { BudgetSeconds = null, MaximumTrials = 4, Seed = 3, MaximumDegreeOfParallelism = 2 };

        var first = RecommendationAutoMl.Run(Subsample.Value, options);
        var second = RecommendationAutoMl.Run(Subsample.Value, options);

        var sweep = first.Sweep;
        Assert.Equal(["popularity", "item-knn", "implicit-als", "matrix-factorization"], sweep.Trials.Select(t => t.Candidate));
        Assert.All(sweep.Trials, t => Assert.Equal(TrialStatus.Succeeded, t.Status));
        Assert.All(sweep.Trials, t => Assert.InRange(t.ValidationScore, 0.0, 1.0));
        Assert.Equal(sweep.Trials.Select(t => t.ValidationScore), second.Sweep.Trials.Select(t => t.ValidationScore));
        Assert.Contains("latest", sweep.ValidationDescription, StringComparison.Ordinal);
        Assert.Equal(second.Sweep.ValidationHash, sweep.ValidationHash);
        Assert.True(sweep.RefittedOnAllData);

        // The winner is the best by NDCG@10 unless a tie within noise sent it to the cheaper one, and the reason says which.
        var top = sweep.Trials.MaxBy(t => t.ValidationScore)!;
        if (sweep.Winner.Index != top.Index)
        {
            Assert.StartsWith("tie within noise", sweep.WinnerReason, StringComparison.Ordinal);
            Assert.True(sweep.Comparison!.WithinNoise);
        }
        else
        {
            // The score as the leaderboard writes it (four decimals kept, significant digits below 0.01).
            Assert.StartsWith($"best validation ndcgAt10 ({ReportHtml.Score(top.ValidationScore)})", sweep.WinnerReason, StringComparison.Ordinal);
        }

        // The comparison sentence is true to the leaderboard's numbers.
        var c = Assert.IsType<KindComparison>(sweep.Comparison);
        var general = sweep.Trials.Where(t => t.Kind == CandidateKind.General).MaxBy(t => t.ValidationScore)!;
        var specialised = sweep.Trials.Where(t => t.Kind == CandidateKind.Specialised).MaxBy(t => t.ValidationScore)!;
        Assert.Equal(general.Index, c.BestGeneral.Index);
        Assert.Equal(specialised.Index, c.BestSpecialised.Index);
        Assert.Equal(specialised.ValidationScore - general.ValidationScore, c.Difference, 12);
        Assert.True(c.Lower <= c.Upper);
        Assert.Equal(c.WithinNoise, c.Lower <= 0 && c.Upper >= 0);
        var ratio = SweepFinisher.Printed(specialised.PredictMicrosecondsPerRow) / SweepFinisher.Printed(general.PredictMicrosecondsPerRow);
        Assert.Contains(FormattableString.Invariant($"{c.Difference:+0.####;-0.####;0} ndcgAt10"), c.Sentence, StringComparison.Ordinal);
        Assert.Contains(SweepFinisher.FormatRatio(ratio) + "× the predict cost", c.Sentence, StringComparison.Ordinal);
        Assert.Contains(c.Difference > 0 ? "(better," : "(worse,", c.Sentence, StringComparison.Ordinal);
        Assert.Contains(c.WithinNoise ? "within noise" : "outside noise", c.Sentence, StringComparison.Ordinal);

        // The report carries both kinds with NDCG@10 scores, in the runner's JSON shape.
        using var json = JsonDocument.Parse(ReportJson.ToJson(RecommendationAutoMl.BuildReport(first)));
        var root = json.RootElement;
        Assert.Equal("recommendation", root.GetProperty("scenario").GetString());
        Assert.Equal("recommendation", root.GetProperty("task").GetString());
        Assert.Equal("ndcgAt10", root.GetProperty("metric").GetString());
        var kinds = root.GetProperty("leaderboard").EnumerateArray().Select(r => r.GetProperty("kind").GetString()).ToHashSet();
        Assert.Equal(["general", "specialised"], kinds.Order());
        Assert.Equal(c.Sentence, root.GetProperty("comparison").GetProperty("sentence").GetString());
    }

    [Fact]
    public void Run_WinnerModel_SurvivesSaveLoadAndScoresRowsLikeItsRanking()
    {
        var options = new RecommendationAutoMlOptions { BudgetSeconds = null, MaximumTrials = 2, Seed = 1, UserColumn = "userId", ItemColumn = "movieId" };
        var result = RecommendationAutoMl.Run(Subsample.Value, options);

        using var buffer = new MemoryStream();
        result.Sweep.Model.Save(buffer);
        buffer.Position = 0;
        var loaded = Recommender.Load(buffer);
        var user = result.Model.Users[0];
        Assert.Equal(result.Model.Recommend(user, 10).Items, loaded.Recommend(user, 10).Items);

        // Score gives each (user, item) row the item's score in that user's ranking.
        var top = result.Model.Recommend(user, 3).Items;
        var rows = new DataTable([
            new StringColumn("userId", [user, user, user, user]),
            new StringColumn("movieId", [top[0].ItemId, top[1].ItemId, top[2].ItemId, "no-such-item"]),
        ]);
        var scores = result.Sweep.Model.Score(rows);
        Assert.Equal([top[0].Score, top[1].Score, top[2].Score], scores[..3]);
        Assert.True(float.IsNaN(scores[3]));

        // Seen items never come back, whatever their rating: the implicit candidates learn from ratings ≥ 4 but
        // exclude every item the user rated, in the winner and in every candidate's model.
        var rated = Subsample.Value.ToUserItemMatrix();
        var recommended = new ScoredItem[20];
        foreach (var model in result.CandidateModels.Values.Append(result.Model))
        {
            for (var u = 0; u < rated.RowCount; u += 5)
            {
                var n = model.Recommend(u, recommended);
                for (var r = 0; r < n; r++)
                {
                    Assert.False(rated.Contains(u, recommended[r].Item), $"{model.Kind}: user {model.Users[u]} got back a rated item.");
                }
            }
        }
    }

    [Fact]
    public void Run_WithRecordedTrials_ReplaysThemAndContinuesAsTheUninterruptedSweep()
    {
        var options = new RecommendationAutoMlOptions { BudgetSeconds = null, MaximumTrials = 6, Seed = 5 };
        var full = RecommendationAutoMl.Run(Subsample.Value, options);

        // A crash after four recorded trials: the re-run replays them and runs only trials 4 and 5.
        var started = new List<int>();
        var resumed = RecommendationAutoMl.Run(
            Subsample.Value,
            new RecommendationAutoMlOptions { BudgetSeconds = null, MaximumTrials = 6, Seed = 5, RecordedTrials = full.Sweep.Trials.Take(4).ToList() },
            new SynchronousProgress(e => { if (e.Kind == SweepEventKind.TrialStarted) started.Add(e.TrialIndex); }));

        Assert.Equal([4, 5], started);
        Assert.Equal(6, resumed.Sweep.Trials.Count);
        for (var i = 0; i < 4; i++)
        {
            Assert.Same(full.Sweep.Trials[i], resumed.Sweep.Trials[i]);
        }

        for (var i = 4; i < 6; i++)
        {
            Assert.Equal(full.Sweep.Trials[i].Candidate, resumed.Sweep.Trials[i].Candidate);
            Assert.Equal(full.Sweep.Trials[i].Point, resumed.Sweep.Trials[i].Point);
            Assert.Equal(full.Sweep.Trials[i].ValidationScore, resumed.Sweep.Trials[i].ValidationScore);
        }

        // Every candidate's best model (replayed ones are fitted again) recommends exactly what the original did.
        Assert.Equal(full.CandidateModels.Keys.Order(), resumed.CandidateModels.Keys.Order());
        foreach (var (index, model) in full.CandidateModels)
        {
            var again = resumed.CandidateModels[index];
            for (var u = 0; u < model.Users.Count; u += 50)
            {
                Assert.Equal(model.Recommend(model.Users[u], 10).Items, again.Recommend(model.Users[u], 10).Items);
            }
        }

        Assert.Contains(resumed.Sweep.WinnerDetails, d => d.Key == "replayedTrials" && d.Value == "4");
    }

    /// <summary>
    /// A candidate whose search space holds one configuration is tried once, as in the tabular sweep, and the sweep
    /// goes on with the others. Before, the recommendation sweep refitted it every round (three of six trials here).
    /// </summary>
    [Theory]
    [InlineData(TunerKind.CostFrugal)]
    [InlineData(TunerKind.Smac)]
    [InlineData(TunerKind.Random)]
    [InlineData(TunerKind.Grid)]
    public void Run_CandidateOfOneConfiguration_TriedOnce(TunerKind tuner)
    {
        var options = new RecommendationAutoMlOptions { BudgetSeconds = null, MaximumTrials = 6, Seed = 2, Tuner = tuner };

        var result = RecommendationAutoMl.Run(ScotchSample, options, OneFixedAndOneSearched());

        Assert.Equal(6, result.Sweep.Trials.Count);
        Assert.Single(result.Sweep.Trials, t => t.Candidate == "fixed-popularity");
        Assert.Equal(5, result.Sweep.Trials.Count(t => t.Candidate == "item-knn"));
    }

    /// <summary>The older per-candidate sweep follows the same rule: one trial of a fixed candidate, not one per round.</summary>
    [Fact]
    public void RecommendationScenarioRun_CandidateOfOneConfiguration_TriedOnce()
    {
        var options = new RecommendationSweepOptions { TrialsPerCandidate = 3, Seed = 2 };

        var result = RecommendationScenario.Run(ScotchSample, options, OneFixedAndOneSearched());

        Assert.Equal(["fixed-popularity", "item-knn", "item-knn", "item-knn"], result.Trials.Select(t => t.Candidate));
    }

    private static InteractionSet ScotchSample => RecommendationData.Scotch.Select(Enumerable.Range(0, 2_000).ToArray());

    /// <summary>Popularity with a search space of one value per dimension, and the scenario's item-knn.</summary>
    private static RecommendationCandidate[] OneFixedAndOneSearched() =>
    [
        new("fixed-popularity", CandidateKind.General,
            new SearchSpace(SearchParameter.Choice("decay", ["none"], "none"), SearchParameter.Float("halfLife", 30, 30, 30)),
            (_, _, _) => new PopularityTrainer()),
        RecommendationScenario.Candidates(hasRatings: false).Single(c => c.Name == "item-knn"),
    ];

    [Fact]
    public void Run_LatencyCap_PrunesSlowTrialsSoTheyCannotWin()
    {
        var options = new RecommendationAutoMlOptions { BudgetSeconds = null, MaximumTrials = 3, Seed = 2, MaximumPredictMicrosecondsPerUser = 1e-6 };

        var error = Assert.Throws<SweepFailedException>(() => RecommendationAutoMl.Run(RecommendationData.Scotch, options));

        Assert.Contains("µs", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bootstrap_IdenticalModels_IntervalIsZero_ShiftedModels_IntervalExcludesZero()
    {
        var a = Enumerable.Range(0, 200).Select(i => (i % 7) / 7.0).ToArray();
        var shifted = a.Select(v => v + 0.05).ToArray();
        a[3] = double.NaN;

        Assert.Equal((0.0, 0.0), RecommendationAutoMl.Bootstrap(a, a, 500, 1));
        var (lower, upper) = RecommendationAutoMl.Bootstrap(a, shifted, 500, 1);
        Assert.Equal(0.05, lower, 9);
        Assert.Equal(0.05, upper, 9);
    }

    [Fact]
    public void Bootstrap_DeadlinePassed_StopsDrawing_APrefixGivesTheSameInterval_TooFewGiveNone()
    {
        var random = new Random(5);
        var general = Enumerable.Range(0, 300).Select(_ => random.NextDouble()).ToArray();
        var specialised = general.Select(v => v + ((random.NextDouble() - 0.4) * 0.2)).ToArray();

        // The deadline passes before the 301st resample: the 300 drawn are the first 300 of the planned 1,000.
        var calls = 0;
        var (lower, upper, drawn) = RecommendationAutoMl.Bootstrap(general, specialised, 1000, 7, () => ++calls > 300);
        Assert.Equal(300, drawn);
        Assert.Equal(RecommendationAutoMl.Bootstrap(general, specialised, 300, 7), (lower, upper));
        Assert.True(lower < upper);

        var (none, _, few) = RecommendationAutoMl.Bootstrap(general, specialised, 1000, 7, () => true);
        Assert.Equal(0, few);
        Assert.True(double.IsNaN(none));
        var full = RecommendationAutoMl.Bootstrap(general, specialised, 1000, 7, () => false);
        Assert.Equal((1000, RecommendationAutoMl.Bootstrap(general, specialised, 1000, 7)), (full.Drawn, (full.Lower, full.Upper)));
    }

    [Theory]
    [InlineData(nameof(RecommendationAutoMlOptions.BudgetSeconds))]
    [InlineData(nameof(RecommendationAutoMlOptions.TrialTimeFraction))]
    [InlineData(nameof(RecommendationAutoMlOptions.ValidationFraction))]
    [InlineData(nameof(RecommendationAutoMlOptions.BootstrapResamples))]
    [InlineData(nameof(RecommendationAutoMlOptions.MaximumPredictMicrosecondsPerUser))]
    public void Validate_OutOfRange_ThrowsNamingOption(string option)
    {
        var options = new RecommendationAutoMlOptions();
        switch (option)
        {
            case nameof(RecommendationAutoMlOptions.BudgetSeconds): options.BudgetSeconds = 0; break;
            case nameof(RecommendationAutoMlOptions.TrialTimeFraction): options.TrialTimeFraction = 1.5; break;
            case nameof(RecommendationAutoMlOptions.ValidationFraction): options.ValidationFraction = 1; break;
            case nameof(RecommendationAutoMlOptions.BootstrapResamples): options.BootstrapResamples = 10; break;
            default: options.MaximumPredictMicrosecondsPerUser = -1; break;
        }

        var error = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
        Assert.Equal(option, error.ParamName);
    }
}
