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
/// How ways of blending the configurations a search saw hold up on credit-german's test rows:
/// <c>credit-blend --splits ROOT [--states 42,1,2,3,4,5] [--points 20]</c> reads
/// <c>ROOT/stateN/credit-german.{train,test}.csv</c> (<c>bench/automl_splits.py ... --state N</c>). For every credit
/// candidate it scores the same configurations as <c>credit-scan</c> out of fold on three stratified 5-fold
/// assignments of the training rows, and on the test rows after a fit on all of them. Then each rule builds one model
/// from those scores (a single configuration or a weighted blend, chosen on the out-of-fold scores only) and the table
/// gives its test AUC per split and the mean, for the general candidates alone and for all of them.
/// </summary>
internal sealed class CreditBlendBench : IBenchCommand
{
    private const int Folds = 5;
    private const int Repeats = 3;
    private const int Rounds = 25;

    public string Name => "credit-blend";

    public int Run(string[] args)
    {
        var root = BenchArguments.Get(args, "--splits") ?? throw new ArgumentException("credit-blend needs --splits ROOT (ROOT/stateN/credit-german.*.csv).");
        var states = (BenchArguments.Get(args, "--states") ?? "42,1,2,3,4,5").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var count = int.Parse(BenchArguments.Get(args, "--points") ?? "20", CultureInfo.InvariantCulture);
        var rules = new (string Name, Func<Context, double[]> Weights)[]
        {
            ("best single (one 5-fold CV)", c => c.Single(c.Library.MaxBy(m => m.Cv(1))!)),
            ("best single (3 × 5-fold CV)", c => c.Single(c.Library.MaxBy(m => m.Cv(Repeats))!)),
            ("Caruana, top 12 (the sweep's rule)", c => c.Caruana(c.Top(12, 1), 1)),
            ("Caruana, top 12, on 3 assignments", c => c.Caruana(c.Top(12, Repeats), Repeats)),
            ("Caruana, best of each candidate", c => c.Caruana(c.BestOfEach(1, 1), 1)),
            ("Caruana, best 3 of each candidate", c => c.Caruana(c.BestOfEach(3, 1), 1)),
            ("Caruana, best 3 of each, on 3 assignments", c => c.Caruana(c.BestOfEach(3, Repeats), Repeats)),
            ("bagged Caruana (20 bags of half), best 3 of each", c => c.Bagged(c.BestOfEach(3, 1), 1)),
            ("mean of the best of each candidate", c => c.Mean(c.BestOfEach(1, 1))),
            ("mean of the best of each candidate (3 × 5-fold)", c => c.Mean(c.BestOfEach(1, Repeats))),
        };
        var table = new Dictionary<(string Rule, string Set), double[]>();
        for (var s = 0; s < states.Length; s++)
        {
            var folder = Path.Combine(root, "state" + states[s].ToString(CultureInfo.InvariantCulture));
            var trainTable = CsvTable.Read(Path.Combine(folder, "credit-german.train.csv"));
            var train = Encode(trainTable, null);
            var test = Encode(CsvTable.Read(Path.Combine(folder, "credit-german.test.csv")), train.ClassNames);
            var assignments = Assignments(train.Labels);
            var library = new List<Scored>();
            var candidates = GeneralCandidates.For(TaskKind.Binary, ScenarioColumns.None).Concat(CreditScenario.SpecialisedCandidates(ScenarioColumns.None));
            foreach (var candidate in candidates)
            {
                foreach (var point in Points(candidate, count))
                {
                    library.Add(Score(candidate, candidate.SearchSpace.ToParameters(point), trainTable, train, test, assignments));
                }
            }

            foreach (var set in new[] { "general", "all" })
            {
                var context = new Context([.. library.Where(m => set == "all" || m.Kind == CandidateKind.General)], train.Labels, test.Labels, assignments);
                foreach (var (rule, weights) in rules)
                {
                    if (!table.TryGetValue((rule, set), out var row))
                    {
                        table[(rule, set)] = row = new double[states.Length];
                    }

                    var w = weights(context);
                    row[s] = context.TestAuc(w);
                    Console.Error.WriteLine($"split {states[s]} {set} {rule}: {row[s]:F4} ({context.Describe(w)})");
                }
            }

            Console.Error.WriteLine($"split {states[s]} done");
        }

        Console.WriteLine($"| rule | candidates | {string.Join(" | ", states.Select(s => "split " + s.ToString(CultureInfo.InvariantCulture)))} | mean |");
        Console.WriteLine($"|---|---|{string.Concat(states.Select(_ => "---|"))}---|");
        foreach (var set in new[] { "general", "all" })
        {
            foreach (var (rule, _) in rules)
            {
                var row = table[(rule, set)];
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {rule} | {set} | {string.Join(" | ", row.Select(v => v.ToString("F4", CultureInfo.InvariantCulture)))} | {row.Average():F4} |"));
            }
        }

        return 0;
    }

    private static CandidateData Encode(DataTable table, IReadOnlyList<string>? classNames) => CreditScanBench.Encode(table, classNames);

    private static List<double[]> Points(ICandidate candidate, int count) => CreditScanBench.Points(candidate, count);

    // fold[r][i]: the fold of training row i in assignment r (stratified, seeded).
    private static int[][] Assignments(float[] labels)
    {
        var assignments = new int[Repeats][];
        for (var repeat = 0; repeat < Repeats; repeat++)
        {
            var random = new Random(1000 + repeat);
            var fold = new int[labels.Length];
            foreach (var positive in new[] { true, false })
            {
                var rows = Enumerable.Range(0, fold.Length).Where(i => labels[i] > 0.5f == positive).OrderBy(_ => random.Next()).ToArray();
                for (var i = 0; i < rows.Length; i++)
                {
                    fold[rows[i]] = i % Folds;
                }
            }

            assignments[repeat] = fold;
        }

        return assignments;
    }

    private static Scored Score(ICandidate candidate, ParameterSet parameters, DataTable table, CandidateData train, CandidateData test, int[][] assignments)
    {
        var oof = new float[Repeats][];
        for (var r = 0; r < Repeats; r++)
        {
            oof[r] = new float[train.Labels.Length];
            for (var f = 0; f < Folds; f++)
            {
                var fit = Enumerable.Range(0, train.Labels.Length).Where(i => assignments[r][i] != f).ToArray();
                var held = Enumerable.Range(0, train.Labels.Length).Where(i => assignments[r][i] == f).ToArray();
                var model = candidate.Fit(new CandidateFitContext(Encode(table.SelectRows(fit), train.ClassNames), f, 2, ScenarioColumns.None), parameters);
                var scores = model.Score(table.SelectRows(held));
                for (var k = 0; k < held.Length; k++)
                {
                    oof[r][held[k]] = scores[k];
                }
            }
        }

        var full = candidate.Fit(new CandidateFitContext(train, 0, 2, ScenarioColumns.None), parameters);
        return new Scored(candidate.Name, candidate.Kind, oof, full.Score(test.Features), train.Labels, assignments);
    }

    // Mean over folds of the AUC on each fold's rows of one assignment.
    private static double FoldAuc(float[] labels, float[] scores, int[] fold)
    {
        double sum = 0;
        for (var f = 0; f < Folds; f++)
        {
            var rows = Enumerable.Range(0, labels.Length).Where(i => fold[i] == f).ToArray();
            sum += BinaryMetrics.Compute(rows.Select(i => labels[i]).ToArray(), rows.Select(i => scores[i]).ToArray()).Auc;
        }

        return sum / Folds;
    }

    /// <summary>One configuration's out-of-fold scores per assignment and its test scores after a fit on all rows.</summary>
    private sealed class Scored(string candidate, CandidateKind kind, float[][] oof, float[] test, float[] labels, int[][] assignments)
    {
        private readonly double[] _cv = [.. Enumerable.Range(0, Repeats).Select(r => FoldAuc(labels, oof[r], assignments[r]))];

        public string Candidate => candidate;

        public CandidateKind Kind => kind;

        public float[][] OutOfFold => oof;

        public float[] Test => test;

        public double Cv(int repeats) => _cv.Take(repeats).Average();
    }

    private sealed class Context(Scored[] library, float[] labels, float[] testLabels, int[][] assignments)
    {
        public Scored[] Library => library;

        public double[] Single(Scored model)
        {
            var w = new double[library.Length];
            w[Array.IndexOf(library, model)] = 1;
            return w;
        }

        public int[] Top(int count, int repeats) =>
            [.. Enumerable.Range(0, library.Length).OrderByDescending(i => library[i].Cv(repeats)).ThenBy(i => i).Take(count)];

        public int[] BestOfEach(int each, int repeats) =>
            [.. Enumerable.Range(0, library.Length).GroupBy(i => library[i].Candidate)
                .SelectMany(g => g.OrderByDescending(i => library[i].Cv(repeats)).ThenBy(i => i).Take(each))];

        public double[] Mean(int[] pool)
        {
            var w = new double[library.Length];
            foreach (var i in pool)
            {
                w[i] = 1;
            }

            return w;
        }

        // Greedy forward selection with replacement on the mean fold AUC over the first `repeats` assignments.
        public double[] Caruana(int[] pool, int repeats)
        {
            var w = new double[library.Length];
            var sums = new double[repeats][];
            for (var r = 0; r < repeats; r++)
            {
                sums[r] = new double[labels.Length];
            }

            var chosen = 0;
            var current = double.NegativeInfinity;
            for (var round = 0; round < Rounds; round++)
            {
                var best = -1;
                var bestValue = double.NegativeInfinity;
                foreach (var m in pool)
                {
                    double value = 0;
                    for (var r = 0; r < repeats; r++)
                    {
                        var blend = new float[labels.Length];
                        for (var i = 0; i < blend.Length; i++)
                        {
                            blend[i] = (float)((sums[r][i] + library[m].OutOfFold[r][i]) / (chosen + 1));
                        }

                        value += FoldAuc(labels, blend, assignments[r]) / repeats;
                    }

                    if (value > bestValue)
                    {
                        bestValue = value;
                        best = m;
                    }
                }

                if (chosen > 0 && bestValue <= current)
                {
                    break;
                }

                for (var r = 0; r < repeats; r++)
                {
                    for (var i = 0; i < labels.Length; i++)
                    {
                        sums[r][i] += library[best].OutOfFold[r][i];
                    }
                }

                w[best]++;
                chosen++;
                current = bestValue;
            }

            return w;
        }

        // Caruana et al. 2006: selection in 20 bags, each from a random half of the pool; the bags' weights summed.
        public double[] Bagged(int[] pool, int repeats)
        {
            var random = new Random(11);
            var total = new double[library.Length];
            for (var bag = 0; bag < 20; bag++)
            {
                var half = pool.OrderBy(_ => random.Next()).Take(Math.Max(2, pool.Length / 2)).ToArray();
                var w = Caruana(half, repeats);
                var sum = w.Sum();
                for (var i = 0; i < w.Length; i++)
                {
                    total[i] += w[i] / sum;
                }
            }

            return total;
        }

        public double TestAuc(double[] weights)
        {
            var blend = new float[testLabels.Length];
            var sum = weights.Sum();
            for (var m = 0; m < library.Length; m++)
            {
                if (weights[m] == 0)
                {
                    continue;
                }

                for (var i = 0; i < blend.Length; i++)
                {
                    blend[i] += (float)(weights[m] / sum * library[m].Test[i]);
                }
            }

            return BinaryMetrics.Compute(testLabels, blend).Auc;
        }

        public string Describe(double[] weights) =>
            string.Join(" + ", Enumerable.Range(0, weights.Length).Where(m => weights[m] > 0)
                .GroupBy(m => library[m].Candidate)
                .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Key} {g.Sum(m => weights[m]) / weights.Sum():F2}")));
    }
}
