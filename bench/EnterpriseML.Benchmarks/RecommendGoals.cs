using System.Diagnostics;
using System.Globalization;
using EnterpriseML.Engine.Recommendation;
using EnterpriseML.Engine.Trainers.Factorization;
using EnterpriseML.Engine.Trainers.Neighbors;

namespace EnterpriseML.Benchmarks;

/// <summary>
/// `recommend-goals [--split DIR] [--datasets DIR]`: the issue-5 goals in one run. Explicit: MovieLens-small 80/20
/// random split (DIR/train.csv + DIR/test.csv written by bench/peers/mf_numpy.py, which is scikit-learn's
/// train_test_split(random_state=42); without --split the engine's own seeded split), bias baseline and
/// matrix-factorisation RMSE/MAE and fit time. Implicit: MovieLens ratings ≥ 4, per-user latest-20 % holdout, and
/// Scotch with a per-user random 20 % holdout: ranking metrics of every trainer.
/// </summary>
internal sealed class RecommendGoals : IBenchCommand
{
    public string Name => "recommend-goals";

    public int Run(string[] args)
    {
        var split = BenchArguments.Get(args, "--split");
        var datasets = BenchArguments.Get(args, "--datasets") ?? Path.Combine("..", "shared", "datasets");
        var movieLensColumns = new InteractionColumns("userId", "movieId", Rating: "rating", Timestamp: "timestamp");

        Console.WriteLine("## Explicit ratings: MovieLens-small, 80/20 random split");
        InteractionSet train, test;
        if (split is not null)
        {
            var parts = InteractionSet.ReadCsv([Path.Combine(split, "train.csv"), Path.Combine(split, "test.csv")], movieLensColumns);
            (train, test) = (parts[0], parts[1]);
        }
        else
        {
            (train, test) = InteractionSplitter.RandomSplit(
                InteractionSet.ReadCsv([Path.Combine(datasets, "recsys-movielens-small.csv")], movieLensColumns)[0], 0.2, 42);
        }

        Console.WriteLine(Inv($"train {train.Count} rows, test {test.Count} rows"));
        Console.WriteLine("| model | test RMSE | test MAE | fit wall (s) | fit CPU (s) |");
        Console.WriteLine("|---|---|---|---|---|");
        Explicit("user + item biases only (SGD, 1 near-zero factor, no daily bias)", new MatrixFactorizationOptions
        {
            NumberOfFactors = 1, InitialStandardDeviation = 1e-6, L2RegularizationFactors = 10, UseDailyUserBias = false, NumberOfEpochs = 40,
        }, train, test);
        Explicit("matrix-factorization, defaults without daily user bias", new MatrixFactorizationOptions { UseDailyUserBias = false }, train, test);
        Explicit("matrix-factorization, defaults (64 factors, 100 epochs, daily user bias)", new MatrixFactorizationOptions(), train, test);

        var movieLens = InteractionSet.ReadCsv([Path.Combine(datasets, "recsys-movielens-small.csv")], movieLensColumns)[0];
        var (implicitTrain, implicitTest) = InteractionSplitter.PerUserSplit(movieLens.WithRatingAtLeast(4), 0.2, HoldoutOrder.Latest, 42);
        Console.WriteLine();
        Console.WriteLine("## Implicit top-10: MovieLens ratings >= 4, per-user latest 20 % held out");
        Ranking(implicitTrain, implicitTest);

        var scotch = InteractionSet.ReadCsv([Path.Combine(datasets, "recsys-scotch-implicit.csv")], new InteractionColumns("respondent", "brand"))[0];
        var (scotchTrain, scotchTest) = InteractionSplitter.PerUserSplit(scotch, 0.2, HoldoutOrder.Random, 42);
        Console.WriteLine();
        Console.WriteLine("## Implicit top-10: Scotch (21 brands), per-user random 20 % held out");
        Ranking(scotchTrain, scotchTest);
        return 0;
    }

    private static void Explicit(string label, MatrixFactorizationOptions options, InteractionSet train, InteractionSet test)
    {
        options.Seed = 42;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var stopwatch = Stopwatch.StartNew();
        var model = new MatrixFactorizationTrainer(options).Fit(train);
        var seconds = stopwatch.Elapsed.TotalSeconds;
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        var metrics = RecommendationEvaluator.EvaluateRatings(model, test);
        Console.WriteLine(Inv($"| {label} | {metrics.Rmse:F4} | {metrics.Mae:F4} | {seconds:F2} | {cpuSeconds:F2} |"));
    }

    private static void Ranking(InteractionSet train, InteractionSet test)
    {
        Console.WriteLine(Inv($"train {train.Count} rows, test {test.Count} rows"));
        Console.WriteLine("| trainer | precision@10 | recall@10 | NDCG@10 | MAP@10 | hit rate@10 | coverage | users | fit (s) | NDCG / popularity | precision / popularity |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
        RankingMetrics? popularity = null;
        (string Label, IRecommenderTrainer Trainer)[] candidates =
        [
            ("popularity", new PopularityTrainer()),
            ("popularity, half-life 365 days", new PopularityTrainer(timeDecayHalfLifeDays: 365)),
            ("item-knn, cosine, 100 neighbours", new ItemKnnTrainer()),
            ("item-knn, BM25, 100 neighbours", new ItemKnnTrainer(100, ItemSimilarity.Bm25)),
            ("implicit-als, defaults (64 factors, conjugate gradient)", new ImplicitAlsTrainer(new ImplicitAlsOptions { Seed = 42 })),
            ("implicit-als, defaults with Cholesky", new ImplicitAlsTrainer(new ImplicitAlsOptions { Seed = 42, Solver = AlsSolver.Cholesky })),
        ];
        foreach (var (label, trainer) in candidates)
        {
            var stopwatch = Stopwatch.StartNew();
            var model = trainer.Fit(train);
            var seconds = stopwatch.Elapsed.TotalSeconds;
            var m = RecommendationEvaluator.EvaluateRanking(model, test);
            popularity ??= m;
            Console.WriteLine(Inv($"| {label} | {m.PrecisionAtK:F4} | {m.RecallAtK:F4} | {m.NdcgAtK:F4} | {m.MapAtK:F4} | {m.HitRateAtK:F4} | {m.Coverage:F4} | {m.UsersEvaluated} | {seconds:F2} | {m.NdcgAtK / popularity.NdcgAtK:F2}× | {m.PrecisionAtK / popularity.PrecisionAtK:F2}× |"));
        }
    }

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
