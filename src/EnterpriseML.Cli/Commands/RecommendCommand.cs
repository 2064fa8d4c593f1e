using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EnterpriseML.Engine.AutoML;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Recommendation;

namespace EnterpriseML.Cli.Commands;

/// <summary>
/// `eml recommend --model m.eml --user ID [--top 10]`: top-N for one user (seen items excluded, cold users served by
/// the popularity fallback), `--similar-to ITEM` for similar items, or `--all-users --output recs.csv` to stream
/// top-N for every user to CSV.
/// </summary>
internal sealed class RecommendCommand : ICliCommand
{
    public Command Create()
    {
        var model = new Option<string>("--model") { Description = "A recommendation model saved by `eml train --task recommendation --save` (or model.eml of `eml automl --scenario recommendation --out`).", Required = true };
        var user = new Option<string?>("--user") { Description = "The user id to recommend for (unknown users get the popularity fallback)." };
        var top = new Option<int>("--top") { Description = "How many items.", DefaultValueFactory = _ => 10 };
        var json = new Option<bool>("--json") { Description = "Print one JSON line." };
        var include = new Option<string?>("--include-items") { Description = "Comma-separated item ids: recommend only these." };
        var exclude = new Option<string?>("--exclude-items") { Description = "Comma-separated item ids: never recommend these." };
        var segment = new Option<string?>("--segment") { Description = "The user's segment, used by the cold-start fallback." };
        var similar = new Option<string?>("--similar-to") { Description = "An item id: list the most similar items instead." };
        var allUsers = new Option<bool>("--all-users") { Description = "Stream top-N for every known user to --output as CSV (user,rank,item,score)." };
        var outputPath = new Option<string?>("--output") { Description = "The CSV file written by --all-users." };
        var threads = new Option<int?>("--threads") { Description = "Threads for --all-users (default: all cores; the output does not depend on it)." }.AtLeastOne();
        var command = new Command("recommend", "Top-N recommendations, similar items or batch top-N from a recommendation model.")
        {
            model, user, top, json, include, exclude, segment, similar, allUsers, outputPath, threads,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(new Request(
            parse.GetValue(model)!,
            parse.GetValue(user),
            parse.GetValue(top),
            parse.GetValue(json),
            parse.GetValue(include),
            parse.GetValue(exclude),
            parse.GetValue(segment),
            parse.GetValue(similar),
            parse.GetValue(allUsers),
            parse.GetValue(outputPath),
            parse.GetValue(threads)), Console.Out, cancellationToken));
        return command;
    }

    internal sealed record Request(
        string Model,
        string? User,
        int Top,
        bool Json,
        string? IncludeItems,
        string? ExcludeItems,
        string? Segment,
        string? SimilarTo,
        bool AllUsers,
        string? Output,
        int? Threads);

    /// <summary>
    /// Runs the request: user errors are one line <c>eml: error: ...</c> on standard error and exit code 2, Ctrl-C is
    /// <c>eml: cancelled.</c> and 130 (<see cref="CliErrors.RunAsync"/>); the <c>--all-users</c> file is written
    /// atomically, so neither leaves a partial file behind.
    /// </summary>
    internal static Task<int> RunAsync(Request request, TextWriter output, CancellationToken cancellationToken) =>
        CliErrors.RunAsync(token => Task.FromResult(Run(request, output, token)), cancellationToken);

    private static int Run(Request request, TextWriter output, CancellationToken cancellationToken)
    {
        if (request.Top < 1)
        {
            throw new ArgumentException($"--top {request.Top}: must be at least 1.");
        }

        var modes = (request.User is null ? 0 : 1) + (request.SimilarTo is null ? 0 : 1) + (request.AllUsers ? 1 : 0);
        if (modes != 1)
        {
            throw new ArgumentException("Give exactly one of --user ID, --similar-to ITEM or --all-users.");
        }

        // Options of another mode would be dropped without a word: a user expecting a file would find none.
        if (!request.AllUsers && request.Output is not null)
        {
            throw new ArgumentException("--output applies to --all-users only; --user and --similar-to print to standard output.");
        }

        if (!request.AllUsers && request.Threads is not null)
        {
            throw new ArgumentException("--threads applies to --all-users only.");
        }

        if (request.User is not null && string.IsNullOrWhiteSpace(request.User))
        {
            // No interaction has an empty id, so it would be served as a cold user without a word.
            throw new ArgumentException($"--user '{request.User}': the id is empty; give a user id.");
        }

        // Ids are looked up as the CSV reader stored them, padding trimmed: --user " 42 " is the file's user 42, not a
        // new user served the popularity fallback.
        request = request with
        {
            User = request.User is null ? null : CsvTable.TrimField(request.User),
            SimilarTo = request.SimilarTo is null ? null : CsvTable.TrimField(request.SimilarTo),
            Segment = request.Segment is null ? null : CsvTable.TrimField(request.Segment),
        };

        if (request.User is null && request.Segment is not null)
        {
            throw new ArgumentException("--segment applies to --user only: it picks the cold-start fallback's ranking for that user.");
        }

        if (request.AllUsers && request.Output is null)
        {
            throw new ArgumentException("--all-users needs --output FILE.csv.");
        }

        if (request.Output is not null)
        {
            CliPaths.Output(request.Output, "--output");
            CliPaths.NotAnInput(request.Output, "--output", ("--model", request.Model));
        }

        var recommender = RecommenderFile.Load(CliPaths.Input(request.Model, "--model"));
        if (request.Segment is not null && !recommender.Fallback.SegmentNames.Contains(request.Segment))
        {
            var segments = recommender.Fallback.SegmentNames;
            Console.Error.WriteLine(segments.Count == 0
                ? $"eml: warning: --segment '{request.Segment}': the model has no segments (it was trained without --set segment=COL); a cold user gets the global ranking."
                : $"eml: warning: --segment '{request.Segment}': the model has no such segment (it has {string.Join(", ", segments.Order(StringComparer.Ordinal).Take(10).Select(ModelNames.Quote))}{(segments.Count > 10 ? ", ..." : string.Empty)}); a cold user gets the global ranking.");
        }

        var filter = ItemFilter.Intersect(
            request.IncludeItems is null ? null : ItemFilter.Include(recommender.Items, ItemIds(recommender, request.IncludeItems, "--include-items")),
            request.ExcludeItems is null ? null : ItemFilter.Exclude(recommender.Items, ItemIds(recommender, request.ExcludeItems, "--exclude-items")));

        if (request.AllUsers)
        {
            long rows = 0;
            Atomic.WriteFile(request.Output!, stream =>
            {
                using var file = new StreamWriter(stream, new System.Text.UTF8Encoding(false), 1 << 16);
                rows = recommender.WriteTopNCsv(file, request.Top, filter, request.Threads ?? Environment.ProcessorCount, cancellationToken);
            });
            output.WriteLine(request.Json
                ? string.Create(CultureInfo.InvariantCulture, $"{{\"users\":{recommender.Users.Count},\"rows\":{rows},\"output\":{JsonSerializer.Serialize(request.Output, ReportJson.SerializerOptions)}}}")
                : string.Create(CultureInfo.InvariantCulture, $"wrote {rows} rows for {recommender.Users.Count} users to {request.Output}"));
            return 0;
        }

        IReadOnlyList<RecommendedItem> items;
        var fallback = false;
        if (request.SimilarTo is not null)
        {
            if (!recommender.Items.TryGetIndex(request.SimilarTo, out var similarTo))
            {
                throw new ArgumentException($"--similar-to '{request.SimilarTo}': the model has no such item.");
            }

            // An item of the id map without training interactions has nothing learnt about it: it printed an empty list
            // with exit code 0, as if it had no neighbours, where the API answers 404.
            if (!recommender.IsKnownItem(similarTo))
            {
                throw new ArgumentException(
                    $"--similar-to '{request.SimilarTo}': the model was not trained on any interaction with this item (it is only in the held-out test part, or only rated below the relevance threshold of an implicit-feedback trainer), so it has nothing to compare it by.");
            }

            items = recommender.SimilarItems(request.SimilarTo, request.Top, filter);
        }
        else
        {
            var list = recommender.Recommend(request.User!, request.Top, filter, request.Segment);
            items = list.Items;
            fallback = list.UsedFallback;
        }

        if (request.Json)
        {
            WriteJson(output, request, recommender.Kind, items, fallback);
        }
        else
        {
            if (fallback)
            {
                output.WriteLine($"user '{request.User}' has no history in the model: popularity fallback{(request.Segment is null ? string.Empty : $" (segment {request.Segment})")}");
            }

            for (var i = 0; i < items.Count; i++)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{i + 1,3}  {items[i].ItemId}  {items[i].Score:G6}"));
            }
        }

        return 0;
    }

    private static void WriteJson(TextWriter output, Request request, string kind, IReadOnlyList<RecommendedItem> items, bool fallback)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, ReportJson.WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("model", kind);
            if (request.SimilarTo is not null)
            {
                json.WriteString("similarTo", request.SimilarTo);
            }
            else
            {
                json.WriteString("user", request.User);
                json.WriteBoolean("fallback", fallback);
            }

            json.WriteStartArray("items");
            foreach (var item in items)
            {
                json.WriteStartObject();
                json.WriteString("item", item.ItemId);
                json.WriteNumber("score", item.Score);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    /// <summary>
    /// The ids of a comma-separated <paramref name="option"/>: a list without any is an error (an empty allow-list
    /// would recommend nothing), and ids the model does not know get a warning on standard error, since a typo would
    /// otherwise empty an allow-list or leave a deny-list without effect.
    /// </summary>
    private static string[] ItemIds(Recommender recommender, string list, string option)
    {
        var ids = list.Split(',').Select(CsvTable.TrimField).Where(id => id.Length > 0).ToArray();
        if (ids.Length == 0)
        {
            throw new ArgumentException($"{option} '{list}' names no item id; give one or more, comma-separated.");
        }

        var unknown = ids.Where(id => !recommender.Items.TryGetIndex(id, out _)).Distinct(StringComparer.Ordinal).ToArray();
        if (unknown.Length > 0)
        {
            Console.Error.WriteLine($"eml: warning: {option}: the model has no item {string.Join(", ", unknown.Select(id => $"'{id}'"))}{(unknown.Length == ids.Length ? $"; {(option == "--include-items" ? "nothing can be recommended" : "nothing is excluded")}" : string.Empty)}.");
        }

        return ids;
    }
}
