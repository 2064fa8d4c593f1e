using System.Globalization;
using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Scenarios;
using EnterpriseML.Engine.Tuning;

namespace EnterpriseML.Benchmarks;

/// <summary>
/// Tuners head to head (docs/benchmarks.md, "Tuners and AutoML sweeps"): the same general-candidate sweep of the
/// <c>auto</c> scenario on each shared binary set, once per tuner and seed. For each seed it reports random search's
/// best validation score at the full budget and the time the other tuners took to reach it; at the end, per dataset,
/// the mean over seeds of each tuner's best at half the budget beside random search's mean best at the full budget.
/// Usage: <c>automl-tuners --splits DIR [--budget SECONDS] [--seeds N] [--first-seed S] [--threads N] [--sets a,b]</c>
/// (DIR holds NAME.train.csv from bench/automl_splits.py).
/// </summary>
internal sealed class AutoMlTunerBench : IBenchCommand
{
    private static readonly (string Name, string Label, string Positive)[] Sets =
    [
        ("credit-german", "class", "bad"),
        ("churn", "churn", "Yes"),
        ("fraud-caravan", "CARAVAN", "insurance"),
    ];

    public string Name => "automl-tuners";

    public int Run(string[] args)
    {
        var splits = BenchArguments.Get(args, "--splits") ?? throw new ArgumentException("--splits DIR is required.");
        var budget = double.Parse(BenchArguments.Get(args, "--budget") ?? "30", CultureInfo.InvariantCulture);
        var seeds = int.Parse(BenchArguments.Get(args, "--seeds") ?? "3", CultureInfo.InvariantCulture);
        var firstSeed = int.Parse(BenchArguments.Get(args, "--first-seed") ?? "0", CultureInfo.InvariantCulture);
        var threads = int.Parse(BenchArguments.Get(args, "--threads") ?? "2", CultureInfo.InvariantCulture);
        var only = BenchArguments.Get(args, "--sets")?.Split(',');
        TunerKind[] tuners = [TunerKind.Random, TunerKind.CostFrugal, TunerKind.Smac];
        Console.WriteLine($"| dataset | seed | random: best AUC at {budget:0} s (trials) | cost-frugal: time to reach it | SMAC: time to reach it | cost-frugal best | SMAC best |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        var summary = new List<string>();
        foreach (var (name, label, positive) in Sets)
        {
            if (only is not null && !only.Contains(name))
            {
                continue;
            }

            var table = CsvTable.Read(Path.Combine(splits, name + ".train.csv"));
            var data = LabelEncoding.Encode(table, label, Engine.Trainers.TaskKind.Binary, positive);
            var plan = new AutoScenario().Plan(new ScenarioContext(table, label, Engine.Trainers.TaskKind.Binary, positive));
            var halfBudget = new Dictionary<TunerKind, List<double>>();
            var fullBudget = new Dictionary<TunerKind, List<double>>();
            for (var seed = firstSeed; seed < firstSeed + seeds; seed++)
            {
                var results = new Dictionary<TunerKind, SweepResult>();
                foreach (var tuner in tuners)
                {
                    var options = new SweepOptions
                    {
                        BudgetSeconds = budget,
                        Seed = seed,
                        Tuner = tuner,
                        MaximumDegreeOfParallelism = threads,
                        EnsembleSelection = false,
                        // The bench compares searches: no time goes to the winner's re-evaluation.
                        SelectionReevaluation = false,
                    };
                    results[tuner] = new SweepRunner(options).RunAsync(new SweepRequest(data, plan, "auto")).GetAwaiter().GetResult();
                }

                foreach (var (kind, result) in results)
                {
                    var top = result.Trials.Where(t => t.Status == TrialStatus.Succeeded).OrderBy(t => result.Metric.ToLoss(t.ValidationScore)).FirstOrDefault();
                    if (top is not null)
                    {
                        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"  {name} seed {seed} {kind}: best {top.ValidationScore:0.0000} by {top.Candidate} at {top.FinishedAtSeconds:0.0} s ({string.Join(", ", top.Parameters.Select(p => p.ToString()))}); trials per candidate: {string.Join(", ", result.Trials.GroupBy(t => t.Candidate).Select(g => g.Key + " " + g.Count()))}"));
                    }
                }

                foreach (var (kind, result) in results)
                {
                    (halfBudget.TryGetValue(kind, out var h) ? h : halfBudget[kind] = []).Add(Best(result, budget / 2));
                    (fullBudget.TryGetValue(kind, out var f) ? f : fullBudget[kind] = []).Add(Best(result, double.PositiveInfinity));
                }

                var random = results[TunerKind.Random];
                var target = Best(random, double.PositiveInfinity);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {name} | {seed} | {target:0.0000} ({random.Trials.Count}) | {Reach(results[TunerKind.CostFrugal], target)} | {Reach(results[TunerKind.Smac], target)} | {Best(results[TunerKind.CostFrugal], double.PositiveInfinity):0.0000} | {Best(results[TunerKind.Smac], double.PositiveInfinity):0.0000} |"));
            }

            summary.Add(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {seeds} | {fullBudget[TunerKind.Random].Average():0.0000} | {halfBudget[TunerKind.CostFrugal].Average():0.0000} | {halfBudget[TunerKind.Smac].Average():0.0000} | {halfBudget[TunerKind.Random].Average():0.0000} |"));
        }

        Console.WriteLine();
        Console.WriteLine($"| dataset | seeds | random: mean best at {budget:0} s | cost-frugal: mean best at {budget / 2:0.#} s | SMAC: mean best at {budget / 2:0.#} s | random: mean best at {budget / 2:0.#} s |");
        Console.WriteLine("|---|---|---|---|---|---|");
        summary.ForEach(Console.WriteLine);
        return 0;
    }

    private static double Best(SweepResult result, double until)
    {
        var best = double.NaN;
        foreach (var t in result.Trials)
        {
            if (t.Status == TrialStatus.Succeeded && t.FinishedAtSeconds <= until && result.Metric.IsBetter(t.ValidationScore, best))
            {
                best = t.ValidationScore;
            }
        }

        return best;
    }

    private static string Reach(SweepResult result, double target)
    {
        foreach (var t in result.Trials.OrderBy(t => t.FinishedAtSeconds))
        {
            if (t.Status == TrialStatus.Succeeded && !result.Metric.IsBetter(target, t.ValidationScore))
            {
                return string.Create(CultureInfo.InvariantCulture, $"{t.FinishedAtSeconds:0.0} s");
            }
        }

        return "not reached";
    }
}
