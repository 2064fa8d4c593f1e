using System.Globalization;
using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Evaluation;
using EnterpriseML.Engine.Scenarios;
using EnterpriseML.Engine.Scenarios.Credit;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Benchmarks;

/// <summary>
/// What the credit scenario's candidates score on held-out rows untuned:
/// <c>credit-starts --splits ROOT [--states 42,1,2,3,4,5] [--seeds 3]</c> reads
/// <c>ROOT/stateN/credit-german.{train,test}.csv</c> (<c>bench/automl_splits.py ... --state N</c>) and fits every
/// candidate of the scenario, general and specialised, at each of its search space's standard configurations (the
/// default point the tuners start from, then the warm starts), and prints the test AUC per split (mean over seeds) and
/// the mean over splits as a markdown table. Set beside the rows <c>bench/automl_resplits.py</c> prints for the same
/// splits, it shows what tuning on the training rows gains or loses on rows it never saw.
/// </summary>
internal sealed class CreditStartsBench : IBenchCommand
{
    public string Name => "credit-starts";

    public int Run(string[] args)
    {
        var root = BenchArguments.Get(args, "--splits") ?? throw new ArgumentException("credit-starts needs --splits ROOT (ROOT/stateN/credit-german.*.csv).");
        var states = (BenchArguments.Get(args, "--states") ?? "42,1,2,3,4,5").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var seeds = int.Parse(BenchArguments.Get(args, "--seeds") ?? "3", CultureInfo.InvariantCulture);
        var results = new Dictionary<string, double[]>(StringComparer.Ordinal);
        var order = new List<string>();
        for (var s = 0; s < states.Length; s++)
        {
            var folder = Path.Combine(root, "state" + states[s].ToString(CultureInfo.InvariantCulture));
            var train = LabelEncoding.Encode(CsvTable.Read(Path.Combine(folder, "credit-german.train.csv")), "class", TaskKind.Binary, "bad");
            var test = LabelEncoding.Encode(CsvTable.Read(Path.Combine(folder, "credit-german.test.csv")), "class", TaskKind.Binary, "bad", train.ClassNames);
            var candidates = GeneralCandidates.For(TaskKind.Binary, ScenarioColumns.None).Concat(CreditScenario.SpecialisedCandidates(ScenarioColumns.None));
            foreach (var candidate in candidates)
            {
                var space = candidate.SearchSpace;
                var points = new List<double[]> { space.DefaultPoint() };
                points.AddRange(space.WarmStartPoints);
                for (var p = 0; p < points.Count; p++)
                {
                    var parameters = space.ToParameters(points[p]);
                    var auc = 0.0;
                    for (var seed = 0; seed < seeds; seed++)
                    {
                        var fitted = candidate.Fit(new CandidateFitContext(train, seed, 2, ScenarioColumns.None), parameters);
                        auc += BinaryMetrics.Compute(test.Labels, fitted.Score(test.Features)).Auc / seeds;
                    }

                    var key = $"{candidate.Name} | {(p == 0 ? "default" : "warm start " + p.ToString(CultureInfo.InvariantCulture))}: {parameters}";
                    if (!results.TryGetValue(key, out var row))
                    {
                        results[key] = row = new double[states.Length];
                        order.Add(key);
                    }

                    row[s] = auc;
                }
            }

            Console.Error.WriteLine($"split {states[s]} done");
        }

        Console.WriteLine($"| candidate | configuration | {string.Join(" | ", states.Select(s => "split " + s.ToString(CultureInfo.InvariantCulture)))} | mean |");
        Console.WriteLine($"|---|---|{string.Concat(states.Select(_ => "---|"))}---|");
        foreach (var key in order)
        {
            var row = results[key];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {key} | {string.Join(" | ", row.Select(v => v.ToString("F4", CultureInfo.InvariantCulture)))} | {row.Average():F4} |"));
        }

        return 0;
    }
}
