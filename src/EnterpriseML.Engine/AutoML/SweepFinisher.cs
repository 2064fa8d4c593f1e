using System.Globalization;
using EnterpriseML.Engine.Scenarios;
using EnterpriseML.Engine.Tuning;

namespace EnterpriseML.Engine.AutoML;

/// <summary>
/// What the tie test's bootstrap draws rows from: the labels, and score vectors laid out the same way, in blocks of
/// <paramref name="Blocks"/> rows, one per repeat of the selection re-evaluation. A resample draws rows in every block
/// and averages the blocks' differences; when the blocks hold the same rows in the same order
/// (<paramref name="SameRows"/>, repeated CV) it draws the same rows from each.
/// </summary>
internal sealed record BootstrapRows(float[] Labels, int Width, int[] Blocks, bool SameRows);

/// <summary>A bootstrap's 95 % interval (NaN when none) and the resamples it drew of those it planned.</summary>
internal readonly record struct BootstrapInterval(double Lower, double Upper, int Resamples, int Planned);

/// <summary>An ensemble entry built after the search.</summary>
internal sealed record EnsembleEntry(TrialRecord Record, EnsembleCandidate Candidate, float[] ValidationScores);

/// <summary>
/// The end of a sweep: Caruana ensemble selection over the best candidates, the winner by the scenario metric with
/// the best-general vs best-specialised bootstrap comparison (ties within noise go to the cheaper model), and the
/// winner's refit on all training rows within the budget.
/// </summary>
internal sealed class SweepFinisher
{
    private const int EnsembleRounds = 25;
    private const int EnsemblePool = 12;

    private readonly SweepSettings _settings;
    private readonly SweepRequest _request;
    private readonly TrialExecutor _executor;
    private readonly ScenarioMetric _metric;
    private readonly TimeProvider _time;
    private readonly long _started;
    private readonly string? _scoreBasis;
    private readonly BootstrapRows _rows;

    // scoreBasis: null when the records' scores are the sweep's own validation scores; otherwise what they are (the
    // selection re-evaluation), stated in the trade-off sentence so it stays true to its numbers. rows: how the
    // score vectors are laid out (default: the executor's validation rows, once).
    public SweepFinisher(SweepSettings settings, SweepRequest request, TrialExecutor executor, ScenarioMetric metric, TimeProvider time, long started,
        string? scoreBasis = null, BootstrapRows? rows = null)
    {
        _scoreBasis = scoreBasis;
        _rows = rows ?? new BootstrapRows(executor.ValidationLabels, executor.Width, [executor.ValidationLabels.Length], true);
        _settings = settings;
        _request = request;
        _executor = executor;
        _metric = metric;
        _time = time;
        _started = started;
    }

    private int ClassCount => _request.Train.ClassNames.Count;

    /// <summary>
    /// Greedy forward selection with replacement (Caruana, Niculescu-Mizil, Crew and Ksikes, "Ensemble Selection from
    /// Libraries of Models", ICML 2004) over a library of the best few trials of each candidate, on the shared
    /// out-of-fold scores. The general ensemble draws on general candidates only, so the general side of the
    /// comparison gets a blend too. The specialised ensemble draws on every candidate and must use at least one
    /// specialised member: it is the best blend that the domain knowledge makes possible. Under a latency cap
    /// (<see cref="SweepSettings.MaximumPredictMicrosecondsPerRow"/>) the members' predict costs summed stay within it.
    /// Returns null unless the ensemble beats the best single trial it could draw on and holds at least two distinct members.
    /// </summary>
    public EnsembleEntry? TrySelectEnsemble(IReadOnlyList<TrialRecord> library, CandidateKind kind, Dictionary<int, float[]> scores,
        Dictionary<int, (ICandidate Candidate, ParameterSet Parameters)> configurations, int index, double now)
    {
        var pool = library
            .Where(r => (kind == CandidateKind.Specialised || r.Kind == kind) && r.SampleFraction >= 1 && scores.ContainsKey(r.Index))
            .OrderBy(r => _metric.ToLoss(r.ValidationScore)).ThenBy(r => r.Index)
            .Take(EnsemblePool)
            .ToArray();
        if (pool.Length < 2)
        {
            return null;
        }

        var length = scores[pool[0].Index].Length;
        var sum = new double[length];
        var blend = new float[length];
        var counts = new int[pool.Length];
        var bestSingle = pool[0].ValidationScore;
        var current = double.NaN;
        var chosen = 0;
        // An ensemble predicts with each distinct member once, so its cost is the sum of theirs: under a latency cap a
        // member whose cost would take the sum past it is not added (each trial alone met the cap, a blend need not).
        var cap = _settings.MaximumPredictMicrosecondsPerRow ?? double.PositiveInfinity;
        double cost = 0;
        for (var round = 0; round < EnsembleRounds; round++)
        {
            var bestMember = -1;
            var bestValue = double.NaN;
            for (var m = 0; m < pool.Length; m++)
            {
                if (counts[m] == 0 && cost + pool[m].PredictMicrosecondsPerRow > cap)
                {
                    continue;
                }

                var member = scores[pool[m].Index];
                for (var i = 0; i < length; i++)
                {
                    blend[i] = (float)((sum[i] + member[i]) / (chosen + 1));
                }

                var value = _executor.ScoreOutOfFold(blend);
                if (_metric.IsBetter(value, bestValue))
                {
                    bestValue = value;
                    bestMember = m;
                }
            }

            if (bestMember < 0 || (chosen > 0 && !_metric.IsBetter(bestValue, current)))
            {
                break;
            }

            var add = scores[pool[bestMember].Index];
            for (var i = 0; i < length; i++)
            {
                sum[i] += add[i];
            }

            if (counts[bestMember]++ == 0)
            {
                cost += pool[bestMember].PredictMicrosecondsPerRow;
            }

            chosen++;
            current = bestValue;
        }

        var distinct = counts.Count(c => c > 0);
        if (distinct < 2 || !_metric.IsBetter(current, bestSingle)
            || !Enumerable.Range(0, pool.Length).Any(m => counts[m] > 0 && pool[m].Kind == kind))
        {
            return null;
        }

        var members = new List<EnsembleMember>();
        var ensembleScores = new float[length];
        double fit = 0, fitCpu = 0, predict = 0;
        long bytes = 0;
        var parts = new List<string>();
        for (var m = 0; m < pool.Length; m++)
        {
            if (counts[m] == 0)
            {
                continue;
            }

            var (candidate, parameters) = configurations[pool[m].Index];
            members.Add(new EnsembleMember(candidate, parameters, counts[m], pool[m].Index));
            fit += pool[m].FitSeconds;
            fitCpu += pool[m].FitCpuSeconds;
            predict += pool[m].PredictMicrosecondsPerRow;
            bytes += pool[m].ModelBytes;
            parts.Add($"{candidate.Name}#{pool[m].Index}×{counts[m]}");
        }

        for (var i = 0; i < length; i++)
        {
            ensembleScores[i] = (float)(sum[i] / chosen);
        }

        var (_, spread) = _executor.ScoreOutOfFoldWithSpread(ensembleScores);

        var ensemble = new EnsembleCandidate(members, kind);
        var record = new TrialRecord
        {
            Index = index,
            Candidate = ensemble.Name,
            Kind = ensemble.Kind,
            Trainer = ensemble.Trainer,
            Point = [],
            Parameters = [new("members", string.Join(" + ", parts))],
            Status = TrialStatus.Succeeded,
            ValidationScore = current,
            ValidationSpread = spread,
            FitSeconds = fit,
            FitCpuSeconds = fitCpu,
            PredictMicrosecondsPerRow = predict,
            ModelBytes = bytes,
            FinishedAtSeconds = now,
        };
        return new EnsembleEntry(record, ensemble, ensembleScores);
    }

    public (TrialRecord Winner, string Reason, KindComparison? Comparison) ChooseWinner(
        Dictionary<string, TrialRecord> bestOf, Dictionary<int, float[]> scores)
    {
        TrialRecord? best = null, general = null, specialised = null;
        foreach (var r in bestOf.Values.OrderBy(r => r.Index))
        {
            if (TrialOrder.IsBetter(_metric, r, best))
            {
                best = r;
            }

            if (r.Kind == CandidateKind.General && TrialOrder.IsBetter(_metric, r, general))
            {
                general = r;
            }

            if (r.Kind == CandidateKind.Specialised && TrialOrder.IsBetter(_metric, r, specialised))
            {
                specialised = r;
            }
        }

        var reason = string.Create(CultureInfo.InvariantCulture, $"best validation {_metric.Name} ({ReportHtml.Score(best!.ValidationScore)})");
        var tied = bestOf.Values.Where(r => r != best && r.ValidationScore == best.ValidationScore).OrderBy(r => r.Index).ToList();
        if (tied.Count > 0)
        {
            // A saturated metric: equal scores go to the smaller model (TrialOrder).
            reason += string.Create(CultureInfo.InvariantCulture,
                $", equal to {string.Join(", ", tied.Select(r => $"{r.Candidate} ({r.ModelBytes} bytes)"))}; the smallest model ranks first ({best.ModelBytes} bytes)");
        }

        if (general is null || specialised is null)
        {
            return (best, reason, null);
        }

        var comparison = Compare(general, specialised, scores);
        var (winner, why) = BreakTie(best, reason, comparison, _metric.Name, "row", _settings.UniformTrialCost);
        return (winner, why, comparison);
    }

    /// <summary>
    /// Refits the winner on all training rows. It may use the budget up to its end less <paramref name="keepSeconds"/>
    /// (left for the caller's report); past that, the fold model is kept.
    /// </summary>
    public async Task<(IFittedCandidate Model, bool Refitted)> RefitAsync(ICandidate candidate, ParameterSet parameters,
        IFittedCandidate? foldModel, TrialRecord winner, double keepSeconds, CancellationToken cancellationToken)
    {
        using var refitCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        TimeSpan? left = null;
        if (_settings.BudgetSeconds is { } budget)
        {
            left = TimeSpan.FromSeconds(budget - keepSeconds) - _time.GetElapsedTime(_started);
            if (foldModel is null)
            {
                // Nothing to fall back on (a replayed winner): the refit runs to the end.
                left = null;
            }
            else if (left <= TimeSpan.Zero)
            {
                return (foldModel, false);
            }
            else
            {
                refitCancel.CancelAfter(left!.Value);
            }
        }

        var context = new CandidateFitContext(_request.Train, unchecked((_settings.Seed * 1_000_003) + winner.Index + 1), _settings.Threads, _request.Plan.Columns);
        var task = Task.Factory.StartNew(() => candidate.Fit(context, parameters, refitCancel.Token), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var waitFor = left is { } w ? w + TimeSpan.FromSeconds(Math.Min(1.0, 0.01 * _settings.BudgetSeconds!.Value)) : Timeout.InfiniteTimeSpan;
        try
        {
            var refit = await task.WaitAsync(waitFor, _time, cancellationToken).ConfigureAwait(false);
            return (refit, true);
        }
        catch (Exception e) when (foldModel is not null && e is OperationCanceledException or TimeoutException or OutOfMemoryException)
        {
            // Out of time or memory for the refit on all rows: the winner's fold model is still a valid model.
            cancellationToken.ThrowIfCancellationRequested();
            return (foldModel, false);
        }
    }

    /// <summary>
    /// The issue's tie rule, shared by the tabular and recommendation sweeps: when <paramref name="best"/> is one of
    /// the compared pair and their difference is within noise, the clearly cheaper of the two (<see cref="Cheaper"/>)
    /// wins; without a clearly cheaper one the better score stands. The reason (<paramref name="reason"/>, why the
    /// best is best) says which happened; <paramref name="unit"/> is what predict time is per.
    /// </summary>
    internal static (TrialRecord Winner, string Reason) BreakTie(TrialRecord best, string reason, KindComparison comparison,
        string metric, string unit, bool uniformTrialCost)
    {
        var (general, specialised) = (comparison.BestGeneral, comparison.BestSpecialised);
        if (!comparison.WithinNoise || (best != general && best != specialised))
        {
            return (best, reason);
        }

        var ci = string.Create(CultureInfo.InvariantCulture, $"95% bootstrap CI [{FormatDifference(comparison.Lower)}, {FormatDifference(comparison.Upper)}]");
        var cheaper = Cheaper(specialised, general, uniformTrialCost);
        var other = best == general ? specialised : general;
        if (cheaper is null)
        {
            return (best, string.Create(CultureInfo.InvariantCulture,
                $"{reason}; a tie within noise with {other.Candidate} ({ci} contains 0), but neither is clearly cheaper (over 25 % less predict time or model size, and not over 25 % more of the other: {FormatCost(best.PredictMicrosecondsPerRow)} vs {FormatCost(other.PredictMicrosecondsPerRow)} µs/{unit}, {best.ModelBytes} vs {other.ModelBytes} bytes), so the better score stands"));
        }

        if (cheaper == best)
        {
            return (best, string.Create(CultureInfo.InvariantCulture,
                $"{reason}; it is also the cheaper of a tie within noise with {other.Candidate} ({ci}; {FormatCost(best.PredictMicrosecondsPerRow)} vs {FormatCost(other.PredictMicrosecondsPerRow)} µs/{unit}, {best.ModelBytes} vs {other.ModelBytes} bytes)"));
        }

        return (cheaper, string.Create(CultureInfo.InvariantCulture,
            $"tie within noise: {specialised.Candidate} − {general.Candidate} = {FormatDifference(comparison.Difference)} {metric}, {ci} contains 0, so the cheaper model wins: {cheaper.Candidate} ({FormatCost(cheaper.PredictMicrosecondsPerRow)} µs/{unit}, {cheaper.ModelBytes} bytes) over {best.Candidate} ({FormatCost(best.PredictMicrosecondsPerRow)} µs/{unit}, {best.ModelBytes} bytes)"));
    }

    /// <summary>
    /// The cheaper of two models, or null when neither is. One is cheaper when it is materially cheaper in predict time
    /// or model size (by more than 25 %: timings are noisy) and not materially costlier in the other. A model that
    /// predicts faster but is several times larger is not cheaper, nor are two models of about the same cost: then the
    /// better score stands. In reproducible mode (<paramref name="uniformTrialCost"/>) timings are ignored and the
    /// smaller model is the cheaper one (the earlier trial when the sizes are equal). Predict costs are compared as the
    /// reasons print them (<see cref="Printed"/>), so the printed numbers bear out the verdict.
    /// </summary>
    internal static TrialRecord? Cheaper(TrialRecord a, TrialRecord b, bool uniformTrialCost)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (uniformTrialCost)
        {
            return a.ModelBytes != b.ModelBytes ? (a.ModelBytes < b.ModelBytes ? a : b) : (a.Index < b.Index ? a : b);
        }

        var time = Versus(Printed(a.PredictMicrosecondsPerRow), Printed(b.PredictMicrosecondsPerRow));
        var size = Versus(a.ModelBytes, b.ModelBytes);
        return (time, size) switch
        {
            ( < 0, <= 0) or ( <= 0, < 0) => a,
            ( > 0, >= 0) or ( >= 0, > 0) => b,
            _ => null,
        };

        // −1 when x is below 80 % of y, +1 when y is below 80 % of x, else 0 (about the same).
        static int Versus(double x, double y) => x < 0.8 * y ? -1 : y < 0.8 * x ? 1 : 0;
    }

    private KindComparison Compare(TrialRecord general, TrialRecord specialised, Dictionary<int, float[]> scores)
    {
        var difference = specialised.ValidationScore - general.ValidationScore;
        var interval = new BootstrapInterval(double.NaN, double.NaN, 0, 0);
        if (scores.TryGetValue(general.Index, out var g) && scores.TryGetValue(specialised.Index, out var s))
        {
            var deadline = _settings.BudgetSeconds is { } budget ? TimeSpan.FromSeconds(budget) : (TimeSpan?)null;
            interval = Bootstrap(_rows, g, s, _metric, ClassCount, _settings.BootstrapResamples, _settings.Seed, _time, _started, deadline);
        }

        var (lower, upper) = (interval.Lower, interval.Upper);
        var withinNoise = !double.IsNaN(lower) && lower <= 0 && upper >= 0;
        var sentence = TradeOffSentence(general, specialised, difference, withinNoise, interval);
        return new KindComparison(general, specialised, difference, lower, upper, interval.Resamples, withinNoise, sentence)
        {
            PlannedResamples = interval.Planned,
        };
    }

    /// <summary>Fewest resamples an interval is computed from; a deadline that stops the bootstrap sooner leaves none.</summary>
    internal const int MinimumBootstrapResamples = 100;

    /// <summary>
    /// The paired bootstrap of specialised − general over the validation rows. It plans up to
    /// <paramref name="maximumResamples"/> resamples (fewer on large validation sets, to keep it to a few seconds) and,
    /// with a <paramref name="deadline"/> (time since <paramref name="started"/>), stops drawing once the deadline has
    /// passed: the resamples done are a prefix of the planned ones (one seeded stream), so a bootstrap that finishes in
    /// time gives the same interval whatever the clock. Fewer than <see cref="MinimumBootstrapResamples"/> done gives no
    /// interval (NaN bounds).
    /// </summary>
    internal static BootstrapInterval Bootstrap(BootstrapRows rows, float[] general, float[] specialised, ScenarioMetric metric, int classCount,
        int maximumResamples, int seed, TimeProvider time, long started, TimeSpan? deadline)
    {
        var (labels, width, blocks, sameRows) = rows;
        var longest = blocks.Max();

        // Keep the bootstrap to a few seconds on large validation sets.
        var planned = (int)Math.Clamp(40_000_000.0 / (labels.Length * Math.Log(longest + 2) * 2), MinimumBootstrapResamples, maximumResamples);
        var random = new Random(seed ^ 0xB007);
        var drawn = new int[longest];
        var y = new float[longest];
        var a = new float[longest * width];
        var b = new float[longest * width];
        var differences = new double[planned];
        var done = 0;
        for (; done < planned; done++)
        {
            // Once per resample (each is a pass over all validation rows), never per row.
            if (deadline is { } d && time.GetElapsedTime(started) >= d)
            {
                break;
            }

            double difference = 0;
            for (int block = 0, start = 0; block < blocks.Length; start += blocks[block], block++)
            {
                var n = blocks[block];
                if (block == 0 || !sameRows)
                {
                    for (var i = 0; i < n; i++)
                    {
                        drawn[i] = random.Next(n);
                    }
                }

                for (var i = 0; i < n; i++)
                {
                    var row = start + drawn[i];
                    y[i] = labels[row];
                    Array.Copy(general, row * width, a, i * width, width);
                    Array.Copy(specialised, row * width, b, i * width, width);
                }

                difference += metric.Compute(y.AsSpan(0, n), b.AsSpan(0, n * width), classCount) - metric.Compute(y.AsSpan(0, n), a.AsSpan(0, n * width), classCount);
            }

            differences[done] = difference / blocks.Length;
        }

        if (done < MinimumBootstrapResamples)
        {
            return new BootstrapInterval(double.NaN, double.NaN, done, planned);
        }

        var valid = differences.Take(done).Where(double.IsFinite).ToArray();
        Array.Sort(valid);
        if (valid.Length < 10)
        {
            return new BootstrapInterval(double.NaN, double.NaN, done, planned);
        }

        return new BootstrapInterval(valid[(int)(0.025 * (valid.Length - 1))], valid[(int)Math.Ceiling(0.975 * (valid.Length - 1))], done, planned);
    }

    /// <summary>
    /// A cost ratio for the trade-off sentence: two decimals from 0.1 up, two significant digits below, so that a
    /// scorecard at 0.0024× a forest's size does not read "0.0×". The ratio is always of the costs as printed
    /// (<see cref="FormatCost"/>), so a reader can recompute it from the sentence.
    /// </summary>
    internal static string FormatRatio(double ratio)
    {
        if (!double.IsFinite(ratio) || ratio >= 0.1 || ratio <= 0)
        {
            return ratio.ToString("0.0#", CultureInfo.InvariantCulture);
        }

        var decimals = Math.Min(12, 1 - (int)Math.Floor(Math.Log10(ratio)));
        var rounded = Math.Round(ratio, decimals);
        return rounded >= 0.1
            ? rounded.ToString("0.0#", CultureInfo.InvariantCulture)
            : rounded.ToString("0." + new string('0', decimals), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// A cost (predict µs) as the sentences and tie reasons print it: at least three significant digits, the integer
    /// part whole ("0.0578", "0.190", "2.06", "139", "1235"); "0" for 0; exponent form below 10⁻¹³. Two decimals had
    /// printed 0.1936 and 2.0649 µs/row as "0.19 vs 2.06" beside a ratio of 0.094×, which they give as 0.092×.
    /// </summary>
    internal static string FormatCost(double cost)
    {
        if (cost == 0 || !double.IsFinite(cost))
        {
            return cost.ToString("0", CultureInfo.InvariantCulture);
        }

        var decimals = Math.Max(0, 2 - (int)Math.Floor(Math.Log10(Math.Abs(cost))));
        return decimals > 15
            ? cost.ToString("0.00E+0", CultureInfo.InvariantCulture)
            : cost.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// A predict cost at the precision <see cref="FormatCost"/> prints it, so that the ratios and the tie rule's
    /// "over 25 % cheaper" are decided on the numbers the reader sees; unmeasured costs (NaN, infinite, negative)
    /// pass through.
    /// </summary>
    internal static double Printed(double cost) =>
        double.IsFinite(cost) && cost >= 0 ? double.Parse(FormatCost(cost), NumberStyles.Float, CultureInfo.InvariantCulture) : cost;

    /// <summary>
    /// The trade-off sentence's word on noise: within or outside it with the interval, or why there is none; says
    /// how many resamples were drawn of those planned when the sweep's deadline stopped the bootstrap.
    /// </summary>
    internal static string NoiseClause(BootstrapInterval interval, bool withinNoise)
    {
        var (lower, upper) = (interval.Lower, interval.Upper);
        var cut = interval.Resamples < interval.Planned
            ? string.Create(CultureInfo.InvariantCulture, $"{interval.Resamples} of {interval.Planned} bootstrap resamples before the sweep's deadline")
            : null;
        return double.IsNaN(lower)
            ? interval.Planned == 0 ? "no bootstrap interval (validation scores unavailable)"
                : cut is not null ? $"no bootstrap interval (only {cut}, fewer than {MinimumBootstrapResamples})"
                : "no bootstrap interval (too few finite resampled differences)"
            : string.Create(CultureInfo.InvariantCulture,
                $"{(withinNoise ? "within" : "outside")} noise (95% CI [{FormatDifference(lower)}, {FormatDifference(upper)}]{(cut is null ? "" : $", from {cut}")})");
    }

    private string TradeOffSentence(TrialRecord general, TrialRecord specialised, double difference, bool withinNoise, BootstrapInterval interval) =>
        TradeOffSentence(_metric, _scoreBasis, general, specialised, difference, withinNoise, interval);

    internal static string TradeOffSentence(ScenarioMetric metric, string? scoreBasis, TrialRecord general, TrialRecord specialised,
        double difference, bool withinNoise, BootstrapInterval interval)
    {
        var better = metric.IsBetter(specialised.ValidationScore, general.ValidationScore);
        var same = specialised.ValidationScore == general.ValidationScore;
        var verdict = same ? "equal" : better ? "better" : "worse";
        var noise = NoiseClause(interval, withinNoise);
        return string.Create(CultureInfo.InvariantCulture,
            $"Specialised {specialised.Candidate} is {FormatDifference(difference)} {metric.Name} vs general {general.Candidate} ({verdict}, {noise}) {CostClause(specialised, general, "µs/row")}{(scoreBasis is null ? "" : $"; scores {ReportHtml.Score(specialised.ValidationScore)} vs {ReportHtml.Score(general.ValidationScore)} {scoreBasis}")}.");
    }

    /// <summary>
    /// A score difference as the sentences write it: signed, four decimals; two significant digits when four decimals
    /// would round a real difference to 0 (the format's zero section), which read "is 0 auc … (better, …)".
    /// </summary>
    internal static string FormatDifference(double difference)
    {
        var text = difference.ToString("+0.####;-0.####;0", CultureInfo.InvariantCulture);
        return difference != 0 && double.IsFinite(difference) && text == "0"
            ? difference.ToString("+0.#E+0;-0.#E+0", CultureInfo.InvariantCulture)
            : text;
    }

    /// <summary>
    /// <paramref name="specialised"/> / <paramref name="general"/> for a cost (predict µs, model bytes), or null when
    /// the two give no ratio: either unmeasured (NaN, infinite, negative), or only the general one 0. Two zero costs
    /// are equal (1). Before, the ratio divided by max(1e-9, general): 0 µs against 0.5 read "500000000.0×", two
    /// zeros "0.0×" and an unmeasured cost "NaN×".
    /// </summary>
    internal static double? CostRatio(double specialised, double general) =>
        !(double.IsFinite(specialised) && double.IsFinite(general) && specialised >= 0 && general >= 0) ? null
        : general > 0 ? specialised / general
        : specialised == 0 ? 1
        : null;

    /// <summary>
    /// The cost half of a trade-off sentence: "at 3.1× the predict cost (6.20 vs 2.00 µs/row) and 0.5× the model size
    /// (500 vs 1000 bytes)", or the two costs with "no ratio" where <see cref="CostRatio"/> gives none. Each ratio is
    /// of the numbers printed beside it (predict costs as <see cref="FormatCost"/> writes them, sizes in whole bytes),
    /// so it can be recomputed from the sentence; it had been of the exact costs beside costs rounded to two decimals.
    /// <paramref name="unit"/> is what the predict costs are in.
    /// </summary>
    internal static string CostClause(TrialRecord specialised, TrialRecord general, string unit)
    {
        var (s, g) = (specialised.PredictMicrosecondsPerRow, general.PredictMicrosecondsPerRow);
        var costs = $"{Cost(s)} vs {Cost(g)} {unit}";
        var predict = CostRatio(Printed(s), Printed(g)) is { } ratio
            ? $"at {FormatRatio(ratio)}× the predict cost ({costs})"
            : $"at a predict cost of {costs} (no ratio)";
        var bytes = string.Create(CultureInfo.InvariantCulture, $"{specialised.ModelBytes} vs {general.ModelBytes} bytes");
        var size = CostRatio(specialised.ModelBytes, general.ModelBytes) is { } sizeRatio
            ? $"{FormatRatio(sizeRatio)}× the model size ({bytes})"
            : $"a model size of {bytes} (no ratio)";
        return $"{predict} and {size}";

        static string Cost(double microseconds) => double.IsFinite(microseconds) && microseconds >= 0 ? FormatCost(microseconds) : "unmeasured";
    }
}
