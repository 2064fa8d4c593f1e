using System.Diagnostics;
using System.Globalization;
using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Recommendation;
using EnterpriseML.Engine.Scenarios.Recommendation;
using EnterpriseML.Engine.Tuning;
using Spectre.Console;

namespace EnterpriseML.Cli.Commands;

/// <summary>
/// <c>eml automl --scenario recommendation --train T.csv [--test V.csv] --user COL --item COL [--label RATING]
/// [--timestamp COL] [--relevance-threshold 4] [--budget S] [--seed N] [--out DIR] [--json]</c>: the recommendation
/// sweep (<see cref="RecommendationAutoMl"/>) with the same report, JSON line and <c>--out</c> files as the other
/// scenarios. The budget covers the whole command, from reading the CSV files to writing the report.
/// </summary>
internal static class RecommendationAutoMlCommand
{
    /// <summary>The largest <c>--max-predict-us</c> the recommendation sweep takes (µs per user top-10 request).</summary>
    private const double RecommendationLatencyLimit = 1e9;

    public static bool Handles(string scenario) => string.Equals(scenario, RecommendationScenario.Name, StringComparison.OrdinalIgnoreCase);

    public static async Task<int> RunAsync(AutoMlRequest request, TunerKind tuner, Stopwatch clock, TextWriter output, CancellationToken cancellationToken)
    {
        if (request.User is null || request.Item is null)
        {
            throw new ArgumentException("--scenario recommendation needs --user COL and --item COL.");
        }

        if (request.Positive is not null)
        {
            throw new ArgumentException("--positive does not apply to --scenario recommendation (relevance is --relevance-threshold on the --label rating).");
        }

        if (request.Text is { Count: > 0 })
        {
            throw new ArgumentException("--text does not apply to --scenario recommendation: it reads only the --user, --item, --label and --timestamp columns.");
        }

        if (request.Ignore.Count > 0)
        {
            // The sweep reads only the columns named below; an --ignore would change nothing, so it is not taken silently.
            throw new ArgumentException("--ignore does not apply to --scenario recommendation: it reads only the --user, --item, --label and --timestamp columns.");
        }

        // Checked here in the options' words: the engine's own checks would name its properties
        // (RelevanceThreshold, MaximumPredictMicrosecondsPerUser), which mean nothing on a command line.
        if (request.RelevanceThreshold is { } threshold && !float.IsFinite((float)threshold))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"--relevance-threshold must be a finite rating; got {threshold}."));
        }

        if (request.MaxPredictMicroseconds is > RecommendationLatencyLimit)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"--max-predict-us must be at most {RecommendationLatencyLimit:0e0} µs per user with --scenario recommendation; got {request.MaxPredictMicroseconds}."));
        }

        var columns = new InteractionColumns(request.User, request.Item, request.Label, request.Timestamp);
        var paths = request.Test is null ? new[] { request.Train } : [request.Train, request.Test];
        var limits = RecommendationTraining.FileLimits(request.MaxColumns, request.Encoding, request.TestEncoding, request.Test);
        RecommendationTraining.CheckColumns(paths, columns, "--timestamp", limits);
        var sets = await Task.Run(() => InteractionSet.ReadCsv(paths, columns, limits, cancellationToken), cancellationToken);
        var train = sets[0];
        var test = request.Test is null ? null : sets[1];

        // The sweep gets what is left after reading, minus a reserve for scoring the test users with the leaderboard's
        // models and writing the report: 5 % of the budget plus as long again as reading took.
        var left = AutoMlCommand.SweepSeconds(request.Budget, clock.Elapsed.TotalSeconds, 0.05);
        var options = new RecommendationAutoMlOptions
        {
            BudgetSeconds = left,
            MaximumTrials = request.MaxTrials,
            Seed = request.Seed,
            Tuner = tuner,
            MaximumDegreeOfParallelism = request.Threads ?? Environment.ProcessorCount,
            MaximumPredictMicrosecondsPerUser = request.MaxPredictMicroseconds,
            RelevanceThreshold = request.RelevanceThreshold is { } t ? (float)t : 4f,
            UserColumn = request.User,
            ItemColumn = request.Item,
        };
        IProgress<SweepEvent>? progress = request.Json ? null : new TrialLines("ndcgAt10");
        var result = await Task.Run(() => RecommendationAutoMl.Run(train, options, progress, cancellationToken), cancellationToken);
        var report = RecommendationAutoMl.BuildReport(result, test);

        if (request.Out is not null)
        {
            await AutoMlCommand.WriteOutputsAsync(request.Out, report, result.Model.Save);
        }

        if (request.Json)
        {
            await output.WriteLineAsync(ReportJson.ToJson(report));
        }
        else
        {
            AutoMlCommand.PrintSummary(report, request.Out, clock.Elapsed);
        }

        return 0;
    }
}
