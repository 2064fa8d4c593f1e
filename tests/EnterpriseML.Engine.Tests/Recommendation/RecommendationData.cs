using System.Globalization;
using EnterpriseML.Engine.Recommendation;

namespace EnterpriseML.Engine.Tests.Recommendation;

/// <summary>The shared recommendation datasets as interaction sets, loaded once per test run.</summary>
internal static class RecommendationData
{
    private static readonly Lazy<InteractionSet> MovieLensSet = new(LoadMovieLens);
    private static readonly Lazy<InteractionSet> ScotchSet = new(LoadScotch);

    /// <summary>MovieLens-small: userId, movieId, rating, timestamp (Unix seconds).</summary>
    public static InteractionSet MovieLens => MovieLensSet.Value;

    /// <summary>Scotch: (respondent, brand) pairs, implicit.</summary>
    public static InteractionSet Scotch => ScotchSet.Value;

    private static InteractionSet LoadMovieLens()
    {
        // TODO(recsys): switch to CsvTable.Read once the data reader is on main.
        var lines = File.ReadAllLines(TestPaths.Dataset("recsys-movielens-small.csv"));
        var header = SplitLine(lines[0]);
        int user = Array.IndexOf(header, "userId"), item = Array.IndexOf(header, "movieId");
        int rating = Array.IndexOf(header, "rating"), time = Array.IndexOf(header, "timestamp");
        var users = new string[lines.Length - 1];
        var items = new string[lines.Length - 1];
        var ratings = new float[lines.Length - 1];
        var timestamps = new long[lines.Length - 1];
        for (var i = 1; i < lines.Length; i++)
        {
            var f = SplitLine(lines[i]);
            users[i - 1] = f[user];
            items[i - 1] = f[item];
            ratings[i - 1] = float.Parse(f[rating], CultureInfo.InvariantCulture);
            timestamps[i - 1] = long.Parse(f[time], CultureInfo.InvariantCulture);
        }

        return InteractionSet.FromIds(users, items, ratings, timestamps);
    }

    private static InteractionSet LoadScotch()
    {
        var lines = File.ReadAllLines(TestPaths.Dataset("recsys-scotch-implicit.csv"));
        var users = new string[lines.Length - 1];
        var items = new string[lines.Length - 1];
        for (var i = 1; i < lines.Length; i++)
        {
            var f = SplitLine(lines[i]);
            users[i - 1] = f[0];
            items[i - 1] = f[1];
        }

        return InteractionSet.FromIds(users, items);
    }

    private static string[] SplitLine(string line)
    {
        var fields = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    current.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        fields.Add(current.ToString());
        return [.. fields];
    }
}
