using System.Globalization;
using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Evaluation;
using EnterpriseML.Engine.Scenarios;
using EnterpriseML.Engine.Scenarios.Credit;
using EnterpriseML.Engine.Trainers;
using EnterpriseML.Engine.Tuning;

namespace EnterpriseML.Benchmarks;

/// <summary>
/// How a configuration choice made on credit-german's 800 training rows holds up on its test rows:
/// <c>credit-scan --splits ROOT [--states 42,1,2,3,4,5] [--points 30]</c> reads
/// <c>ROOT/stateN/credit-german.{train,test}.csv</c> (<c>bench/automl_splits.py ... --state N</c>) and, for every credit
/// candidate, scores the same configurations (the search space's standard ones, then seeded uniform points up to
/// <c>--points</c>) on three repeats of stratified 5-fold CV of the training rows and on the test rows after a fit on
/// all training rows. It then prints, per choice rule, the test AUC of the configuration each rule picks (per split and
/// the mean): the standard configuration; the best on one 5-fold assignment (what a search sees); the best on all
/// three (15 folds); the one-standard-error rule with the smallest train-vs-validation gap among the configurations
/// within one standard error of the best (a choice that prefers the least overfit); and, for scale, the best on the
/// test rows themselves (hindsight, not a rule).
/// </summary>
internal sealed class CreditScanBench : IBenchCommand
{
    private const int Folds = 5;
    private const int Repeats = 3;

    public string Name => "credit-scan";

    public int Run(string[] args)
    {
        var root = BenchArguments.Get(args, "--splits") ?? throw new ArgumentException("credit-scan needs --splits ROOT (ROOT/stateN/credit-german.*.csv).");
        var states = (BenchArguments.Get(args, "--states") ?? "42,1,2,3,4,5").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var count = int.Parse(BenchArguments.Get(args, "--points") ?? "30", CultureInfo.InvariantCulture);
        var rules = new (string Name, Func<List<Scored>, Scored> Pick)[]
        {
            ("standard configuration", s => s[0]),
            ("best on one 5-fold CV", s => s.MaxBy(c => c.Validation(Folds))!),
            ("best on 3 × 5-fold CV", s => s.MaxBy(c => c.Validation(Folds * Repeats))!),
            ("one-SE rule, least overfit (3 × 5-fold)", LeastOverfitWithinOneStandardError),
            ("best on the test rows (hindsight)", s => s.MaxBy(c => c.Test)!),
        };
        var table = new Dictionary<(string Rule, string Candidate), double[]>();
        var candidateOrder = new List<string>();
        for (var s = 0; s < states.Length; s++)
        {
            var folder = Path.Combine(root, "state" + states[s].ToString(CultureInfo.InvariantCulture));
            var trainTable = CsvTable.Read(Path.Combine(folder, "credit-german.train.csv"));
            var train = Encode(trainTable, null);
            var test = Encode(CsvTable.Read(Path.Combine(folder, "credit-german.test.csv")), train.ClassNames);
            var folds = RepeatedFolds(trainTable, train);
            var candidates = GeneralCandidates.For(TaskKind.Binary, ScenarioColumns.None).Concat(CreditScenario.SpecialisedCandidates(ScenarioColumns.None));
            foreach (var candidate in candidates)
            {
                if (!candidateOrder.Contains(candidate.Name))
                {
                    candidateOrder.Add(candidate.Name);
                }

                var scored = Points(candidate, count).Select(p => Score(candidate, candidate.SearchSpace.ToParameters(p), folds, train, test)).ToList();
                foreach (var (rule, pick) in rules)
                {
                    if (!table.TryGetValue((rule, candidate.Name), out var row))
                    {
                        table[(rule, candidate.Name)] = row = new double[states.Length];
                    }

                    row[s] = pick(scored).Test;
                }
            }

            Console.Error.WriteLine($"split {states[s]} done");
        }

        Console.WriteLine($"| rule | candidate | {string.Join(" | ", states.Select(s => "split " + s.ToString(CultureInfo.InvariantCulture)))} | mean |");
        Console.WriteLine($"|---|---|{string.Concat(states.Select(_ => "---|"))}---|");
        foreach (var (rule, _) in rules)
        {
            foreach (var candidate in candidateOrder)
            {
                var row = table[(rule, candidate)];
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {rule} | {candidate} | {string.Join(" | ", row.Select(v => v.ToString("F4", CultureInfo.InvariantCulture)))} | {row.Average():F4} |"));
            }
        }

        return 0;
    }

    /// <summary>credit-german's rows with the label encoded (positive class <c>bad</c>); also used by <c>credit-blend</c>.</summary>
    internal static CandidateData Encode(DataTable table, IReadOnlyList<string>? classNames) =>
        LabelEncoding.Encode(table, "class", TaskKind.Binary, "bad", classNames);

    // The standard configurations (default, warm starts), then seeded uniform points of the unit cube; also credit-blend's.
    internal static List<double[]> Points(ICandidate candidate, int count)
    {
        var space = candidate.SearchSpace;
        var points = new List<double[]> { space.DefaultPoint() };
        points.AddRange(space.WarmStartPoints);
        var random = new Random(7);
        while (points.Count < count)
        {
            points.Add(Enumerable.Range(0, space.Dimension).Select(_ => random.NextDouble()).ToArray());
        }

        return points;
    }

    private static List<(CandidateData Fit, CandidateData Held)> RepeatedFolds(DataTable table, CandidateData train)
    {
        var folds = new List<(CandidateData, CandidateData)>();
        for (var repeat = 0; repeat < Repeats; repeat++)
        {
            var random = new Random(1000 + repeat);
            var fold = new int[train.Labels.Length];
            foreach (var positive in new[] { true, false })
            {
                var rows = Enumerable.Range(0, fold.Length).Where(i => train.Labels[i] > 0.5f == positive).OrderBy(_ => random.Next()).ToArray();
                for (var i = 0; i < rows.Length; i++)
                {
                    fold[rows[i]] = i % Folds;
                }
            }

            for (var f = 0; f < Folds; f++)
            {
                var fit = Enumerable.Range(0, fold.Length).Where(i => fold[i] != f).ToArray();
                var held = Enumerable.Range(0, fold.Length).Where(i => fold[i] == f).ToArray();
                folds.Add((Encode(table.SelectRows(fit), train.ClassNames), Encode(table.SelectRows(held), train.ClassNames)));
            }
        }

        return folds;
    }

    private static Scored Score(ICandidate candidate, ParameterSet parameters, List<(CandidateData Fit, CandidateData Held)> folds,
        CandidateData train, CandidateData test)
    {
        var validation = new double[folds.Count];
        var fitted = new double[folds.Count];
        for (var f = 0; f < folds.Count; f++)
        {
            var model = candidate.Fit(new CandidateFitContext(folds[f].Fit, f, 2, ScenarioColumns.None), parameters);
            validation[f] = BinaryMetrics.Compute(folds[f].Held.Labels, model.Score(folds[f].Held.Features)).Auc;
            fitted[f] = BinaryMetrics.Compute(folds[f].Fit.Labels, model.Score(folds[f].Fit.Features)).Auc;
        }

        var full = candidate.Fit(new CandidateFitContext(train, 0, 2, ScenarioColumns.None), parameters);
        return new Scored(validation, fitted, BinaryMetrics.Compute(test.Labels, full.Score(test.Features)).Auc);
    }

    private static Scored LeastOverfitWithinOneStandardError(List<Scored> scored)
    {
        const int n = Folds * Repeats;
        var best = scored.MaxBy(c => c.Validation(n))!;
        var mean = best.Validation(n);
        var sd = Math.Sqrt(best.ValidationFolds.Sum(v => (v - mean) * (v - mean)) / (n - 1));
        return scored.Where(c => c.Validation(n) >= mean - (sd / Math.Sqrt(n))).MinBy(c => c.FitFolds.Average() - c.Validation(n))!;
    }

    /// <summary>One configuration's AUC per validation fold, on the fold's own fit rows, and on the test rows.</summary>
    private sealed record Scored(double[] ValidationFolds, double[] FitFolds, double Test)
    {
        public double Validation(int folds) => ValidationFolds.Take(folds).Average();
    }
}
