using System.Globalization;
using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Evaluation;
using EnterpriseML.Engine.Featurizers;
using EnterpriseML.Engine.Scenarios;
using EnterpriseML.Engine.Scenarios.Credit;
using EnterpriseML.Engine.Scenarios.Specialised;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Trainers.Trees;
using EnterpriseML.Engine.Tuning;

namespace EnterpriseML.Benchmarks;

/// <summary>
/// What the credit scenario's monotone constraints cost or buy on held-out rows:
/// <c>credit-monotone --splits ROOT [--states 42,1,2,3,4,5] [--seeds 3] [--trainer gbdt|random-forest]</c> reads
/// <c>ROOT/stateN/credit-german.{train,test}.csv</c> (<c>bench/automl_splits.py ... --state N</c>), fits the
/// <c>monotone-gbdt</c> candidate's GBDT (or the <c>monotone-forest</c> candidate's forest) at the search space's
/// warm-start configurations with the constraints the
/// candidate infers, with none, without each inferred constraint and with each alone, and prints the test AUC per
/// split (mean over seeds) and the mean over splits as a markdown table. A second table tests each inferred trend on
/// its own: a parametric-bootstrap likelihood-ratio test of the WoE binning under the trend against free quantile bins.
/// </summary>
internal sealed class CreditMonotoneBench : IBenchCommand
{
    public string Name => "credit-monotone";

    public int Run(string[] args)
    {
        var root = BenchArguments.Get(args, "--splits") ?? throw new ArgumentException("credit-monotone needs --splits ROOT (ROOT/stateN/credit-german.*.csv).");
        var states = (BenchArguments.Get(args, "--states") ?? "42,1,2,3,4,5").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var seeds = int.Parse(BenchArguments.Get(args, "--seeds") ?? "3", CultureInfo.InvariantCulture);
        var forest = (BenchArguments.Get(args, "--trainer") ?? "gbdt") switch
        {
            "gbdt" => false,
            "random-forest" => true,
            var other => throw new ArgumentException($"--trainer {other}: expected gbdt or random-forest."),
        };
        var space = forest ? GeneralCandidates.RandomForestSpace : GeneralCandidates.GbdtSpace;
        var results = new Dictionary<string, double[]>(StringComparer.Ordinal);
        var order = new List<string>();
        var constrained = new HashSet<string>(StringComparer.Ordinal);
        var trendTests = new List<string>();
        for (var s = 0; s < states.Length; s++)
        {
            var folder = Path.Combine(root, "state" + states[s].ToString(CultureInfo.InvariantCulture));
            var train = LabelEncoding.Encode(CsvTable.Read(Path.Combine(folder, "credit-german.train.csv")), "class", TaskKind.Binary, "bad");
            var test = LabelEncoding.Encode(CsvTable.Read(Path.Combine(folder, "credit-german.test.csv")), "class", TaskKind.Binary, "bad", train.ClassNames);
            foreach (var (variant, constraints) in Variants(train, constrained))
            {
                for (var w = 0; w < space.WarmStartPoints.Count; w++)
                {
                    var parameters = space.ToParameters(space.WarmStartPoints[w]);
                    var candidate = Candidate(space, constraints, forest);
                    var auc = 0.0;
                    for (var seed = 0; seed < seeds; seed++)
                    {
                        var fitted = candidate.Fit(new CandidateFitContext(train, seed, 2, ScenarioColumns.None), parameters);
                        auc += BinaryMetrics.Compute(test.Labels, fitted.Score(test.Features)).Auc / seeds;
                    }

                    var key = $"warm start {w + 1} | {variant}";
                    if (!results.TryGetValue(key, out var row))
                    {
                        results[key] = row = new double[states.Length];
                        order.Add(key);
                    }

                    row[s] = auc;
                }
            }

            trendTests.AddRange(TrendTests(states[s], train));
            Console.Error.WriteLine($"split {states[s]} done");
        }

        Console.WriteLine($"| configuration | constraints | {string.Join(" | ", states.Select(s => "split " + s.ToString(CultureInfo.InvariantCulture)))} | mean |");
        Console.WriteLine($"|---|---|{string.Concat(states.Select(_ => "---|"))}---|");
        foreach (var key in order)
        {
            // Rows for a feature that no split constrained repeat the inferred or the unconstrained rows.
            if (Feature(key) is { } feature && !constrained.Contains(feature))
            {
                continue;
            }

            var row = results[key];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {key} | {string.Join(" | ", row.Select(v => v.ToString("F4", CultureInfo.InvariantCulture)))} | {row.Average():F4} |"));
        }

        Console.WriteLine();
        Console.WriteLine($"| split | feature (trend) | D, {FreeBins[0]} free bins | p | D, {FreeBins[1]} free bins | p |");
        Console.WriteLine("|---|---|---|---|---|---|");
        trendTests.ForEach(Console.WriteLine);
        return 0;
    }

    private static readonly int[] FreeBins = [5, 10];

    private const int BootstrapDraws = 200;

    /// <summary>
    /// Whether the training rows reject each inferred trend, feature by feature: D = 2 (log-likelihood of free
    /// quantile bins − log-likelihood of the WoE binning under the trend), and its p-value from labels drawn from the
    /// trend's own bin rates (then binned again both ways). A small p means the free bins fit better than a monotone
    /// trend can explain.
    /// </summary>
    private static IEnumerable<string> TrendTests(int state, CandidateData train)
    {
        var features = FeaturePipeline.Fit(train.Features, FeaturizerOptions.Trees);
        var x = features.Transform(train.Features);
        var constraints = CreditScenario.InferMonotoneConstraints(x, train.Labels);
        for (var f = 0; f < constraints.Length; f++)
        {
            if (constraints[f] == 0)
            {
                continue;
            }

            var values = x.DenseColumn(f).ToArray();
            var cells = new List<string>();
            foreach (var bins in FreeBins)
            {
                var (observed, rates, woe) = Deviance(values, train.Labels, bins);
                var random = new Random(state);
                var atLeast = 0;
                var drawn = new float[values.Length];
                for (var draw = 0; draw < BootstrapDraws; draw++)
                {
                    for (var i = 0; i < values.Length; i++)
                    {
                        var bin = woe.Bin(values[i]);
                        var rate = bin < 0 ? rates[^1] : rates[bin];
                        drawn[i] = random.NextDouble() < rate ? 1 : 0;
                    }

                    atLeast += Deviance(values, drawn, bins).D >= observed ? 1 : 0;
                }

                cells.Add(string.Create(CultureInfo.InvariantCulture, $"{observed:F1} | {(1.0 + atLeast) / (1 + BootstrapDraws):F3}"));
            }

            yield return $"| {state} | {x.Features[f].Name} ({(constraints[f] > 0 ? "rising" : "falling")}) | {string.Join(" | ", cells)} |";
        }
    }

    /// <summary>
    /// D of one feature, the bad rate of each WoE bin (the last entry: the missing bin's, or the overall rate), and
    /// the binning itself.
    /// </summary>
    private static (double D, double[] Rates, WoeFeature Woe) Deviance(float[] values, float[] labels, int freeBins)
    {
        var woe = WoeBinner.FitNumeric("feature", values, labels, new WoeBinningOptions());
        var sorted = values.Where(v => !float.IsNaN(v)).Order().ToArray();
        var edges = Enumerable.Range(1, freeBins - 1).Select(k => sorted[k * sorted.Length / freeBins]).Distinct().ToArray();
        var monotone = new double[woe.BinCount + 1, 2];
        var free = new double[edges.Length + 2, 2];
        for (var i = 0; i < values.Length; i++)
        {
            var bad = labels[i] > 0.5f ? 1 : 0;
            var bin = woe.Bin(values[i]);
            monotone[bin < 0 ? woe.BinCount : bin, bad]++;
            var q = float.IsNaN(values[i]) ? edges.Length + 1 : Array.BinarySearch(edges, values[i]) is var k && k >= 0 ? k : ~k;
            free[q, bad]++;
        }

        var rates = new double[woe.BinCount + 1];
        var all = labels.Average(l => (double)l);
        for (var b = 0; b < rates.Length; b++)
        {
            var n = monotone[b, 0] + monotone[b, 1];
            rates[b] = n > 0 ? monotone[b, 1] / n : all;
        }

        return (2 * (LogLikelihood(free) - LogLikelihood(monotone)), rates, woe);
    }

    private static double LogLikelihood(double[,] counts)
    {
        var total = 0.0;
        for (var b = 0; b < counts.GetLength(0); b++)
        {
            var n = counts[b, 0] + counts[b, 1];
            for (var c = 0; c < 2; c++)
            {
                total += counts[b, c] > 0 ? counts[b, c] * Math.Log(counts[b, c] / n) : 0;
            }
        }

        return total;
    }

    private const string Without = "inferred without ";
    private const string Alone = " alone";

    /// <summary>The feature a "without X" or "X alone" row is about, else null.</summary>
    private static string? Feature(string key)
    {
        var constraints = key[(key.IndexOf('|', StringComparison.Ordinal) + 2)..];
        return constraints.StartsWith(Without, StringComparison.Ordinal) ? constraints[Without.Length..]
            : constraints.EndsWith(Alone, StringComparison.Ordinal) ? constraints[..^Alone.Length] : null;
    }

    /// <summary>
    /// The constraint sets to compare, by a name that holds on every split (features by name, not index); the
    /// features the inference constrained are added to <paramref name="constrained"/>.
    /// </summary>
    private static IEnumerable<(string Name, Func<SpecialisedInput, int[]> Constraints)> Variants(CandidateData train, HashSet<string> constrained)
    {
        int[] Inferred(SpecialisedInput input)
        {
            var constraints = CreditScenario.InferMonotoneConstraints(input.Matrix, input.Context.Train.Labels);
            for (var f = 0; f < constraints.Length; f++)
            {
                if (constraints[f] != 0)
                {
                    constrained.Add(input.Matrix.Features[f].Name);
                }
            }

            return constraints;
        }

        yield return ("inferred (the candidate's)", Inferred);
        yield return ("none", input => new int[input.Matrix.ColumnCount]);
        var numeric = train.Features.Columns.Where(c => c is NumericColumn).Select(c => c.Name).ToArray();
        foreach (var name in numeric)
        {
            yield return (Without + name, input => Keep(Inferred(input), input, f => f != name));
        }

        foreach (var name in numeric)
        {
            yield return (name + Alone, input => Keep(Inferred(input), input, f => f == name));
        }
    }

    private static int[] Keep(int[] constraints, SpecialisedInput input, Func<string, bool> keep)
    {
        for (var f = 0; f < constraints.Length; f++)
        {
            constraints[f] = keep(input.Matrix.Features[f].Name) ? constraints[f] : 0;
        }

        return constraints;
    }

    /// <summary>
    /// The monotone-gbdt (or monotone-forest) candidate's fit with <paramref name="constraints"/> in place of its
    /// inference.
    /// </summary>
    private static SpecialisedCandidate Candidate(SearchSpace space, Func<SpecialisedInput, int[]> constraints, bool forest) =>
        new(forest ? "monotone-forest" : "monotone-gbdt", forest ? "random-forest" : "gbdt", space, FeaturizerOptions.Trees, "bench", (input, p, cancellationToken) =>
        {
            var data = new TrainingSet(input.Matrix, input.Context.Train.Labels, TaskKind.Binary);
            if (forest)
            {
                var forestOptions = GeneralCandidates.ToRandomForestOptions(p, input.Context.Seed, input.Context.Threads);
                forestOptions.MonotoneConstraints = constraints(input);
                return new SpecialisedFit(new RandomForestTrainer(forestOptions).Fit(data, cancellationToken), []);
            }

            var options = GeneralCandidates.ToGbdtOptions(p, input.Context.Seed, input.Context.Threads);
            options.MonotoneConstraints = constraints(input);
            return new SpecialisedFit(new GbdtTrainer(options).Fit(data, cancellationToken), []);
        });
}
