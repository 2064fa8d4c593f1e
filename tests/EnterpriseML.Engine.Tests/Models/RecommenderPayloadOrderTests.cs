using System.Buffers.Binary;
using System.Globalization;
using EnterpriseML.Engine.Models;
using EnterpriseML.Engine.Recommendation;
using EnterpriseML.Engine.Tests.Recommendation;
using EnterpriseML.Engine.Trainers.Factorization;
using EnterpriseML.Engine.Trainers.Neighbors;

namespace EnterpriseML.Engine.Tests.Models;

/// <summary>
/// Recommender files edited under a recomputed checksum so that every count and index stays in range but an order or
/// value the predictor relies on does not hold: an item-knn neighbour list or a seen-interaction row out of order, a
/// matrix-factorization daily-bias key out of order, a rating range upside down, a popularity ranking listing an item
/// twice or not best first, a seen-interaction or exclusion weight or a popularity score that is not a finite number
/// >= 0, exclusions that lack a seen interaction. Such a
/// file used to load and answer wrongly (seen items recommended, a day's bias not found, every rating prediction
/// throwing, an item recommended twice or after a less popular one, NaN item-knn scores); it is refused with a <see cref="ModelFormatException"/> naming the
/// file and the part.
/// </summary>
public sealed class RecommenderPayloadOrderTests : IDisposable
{
    private static readonly Lazy<byte[]> ItemKnn = new(() => Saved(ImplicitFeedback.Fit(new ItemKnnTrainer(20), Interactions(), 4f)));
    private static readonly Lazy<(byte[] File, MatrixFactorizationModel Model)> Factorization = new(() =>
    {
        var model = (MatrixFactorizationModel)new MatrixFactorizationTrainer(
            new MatrixFactorizationOptions { NumberOfFactors = 4, NumberOfEpochs = 2, UseDailyUserBias = true, Seed = 2 }).Fit(Interactions());
        return (Saved(model), model);
    });

    /// <summary>
    /// A popularity model of eight users in two segments: globally a and b tie at 3 ahead of c at 2; segment north
    /// ranks a (3), b (2), c (1).
    /// </summary>
    private static readonly Lazy<(byte[] File, Recommender Model)> Segmented = new(() =>
    {
        var model = new PopularityTrainer().Fit(InteractionSet.FromIds(
            ["1", "2", "3", "4", "5", "6", "7", "8"],
            ["a", "a", "a", "b", "b", "c", "c", "b"],
            segments: ["north", "north", "north", "north", "north", "north", "south", "south"]));
        return (Saved(model), model);
    });

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("eml-recommender-order-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void Load_ItemKnnNeighbourListOutOfOrder_RefusedNamingTheLists()
    {
        var file = ItemKnn.Value;
        var model = Recommender.Load(new MemoryStream(file));
        var (start, payload) = ModelFileLayout.Payload(file);

        // The neighbour lists end the payload: items, items, cells, row pointers, columns, similarities.
        var n = model.Items.Count;
        var at = MatrixAt(payload, n, n, fromEnd: true);
        var row = SwapFirstPairOfALongRow(payload, at, n);

        var error = Refused(ModelFileLayout.Rehashed(file, start, payload));
        Assert.Contains($"The item-knn neighbour lists: row {row} lists column", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ItemKnnNeighbourIsTheItemItself_Refused()
    {
        var file = ItemKnn.Value;
        var model = Recommender.Load(new MemoryStream(file));
        var (start, payload) = ModelFileLayout.Payload(file);
        var n = model.Items.Count;
        var at = MatrixAt(payload, n, n, fromEnd: true);
        var pointers = at + 12;
        var columns = pointers + (4 * (n + 1));

        // The first neighbour that can become the item itself with the list still in order (and in range).
        var (item, cell) = Enumerable.Range(0, n)
            .SelectMany(i => Enumerable.Range(Int(payload, pointers + (4 * i)), Int(payload, pointers + (4 * (i + 1))) - Int(payload, pointers + (4 * i)))
                .Select(c => (Item: i, Cell: c)))
            .First(x => (x.Cell == Int(payload, pointers + (4 * x.Item)) || Int(payload, columns + (4 * (x.Cell - 1))) < x.Item)
                && (x.Cell + 1 == Int(payload, pointers + (4 * (x.Item + 1))) || Int(payload, columns + (4 * (x.Cell + 1))) > x.Item));
        BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(columns + (4 * cell)), item);

        var error = Refused(ModelFileLayout.Rehashed(file, start, payload));
        Assert.Contains($"The item-knn neighbour lists: item {item} lists itself as a neighbour.", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SeenInteractionsOutOfOrder_RefusedNamingTheMatrix()
    {
        var file = ItemKnn.Value;
        var model = Recommender.Load(new MemoryStream(file));
        var (start, payload) = ModelFileLayout.Payload(file);

        // The seen matrix (users × items) is the first sparse matrix of the payload, after the id maps.
        var at = MatrixAt(payload, model.Users.Count, model.Items.Count, fromEnd: false);
        var row = SwapFirstPairOfALongRow(payload, at, model.Users.Count);

        var error = Refused(ModelFileLayout.Rehashed(file, start, payload));
        Assert.Contains($"The seen-interaction matrix: row {row} lists column", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_DailyBiasKeysOutOfOrder_RefusedNamingTheKeys()
    {
        var (file, model) = Factorization.Value;
        var (start, payload) = ModelFileLayout.Payload(file);

        // The daily biases end the payload: their count, then (key int64, bias float32) each.
        var days = Enumerable.Range(2, (payload.Length - 4) / 12).First(d => Int(payload, payload.Length - (12 * d) - 4) == d);
        var first = payload.Length - (12 * days);
        Assert.True(
            BinaryPrimitives.ReadInt64LittleEndian(payload.AsSpan(first)) < BinaryPrimitives.ReadInt64LittleEndian(payload.AsSpan(first + 12)),
            "The keys as fitted increase.");
        var entry = payload.AsSpan(first, 12).ToArray();
        payload.AsSpan(first + 12, 12).CopyTo(payload.AsSpan(first));
        entry.CopyTo(payload.AsSpan(first + 12));
        Assert.True(model.NumberOfFactors == 4);

        var error = Refused(ModelFileLayout.Rehashed(file, start, payload));
        Assert.Contains("The matrix-factorization daily biases: key 1 (0x", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_RatingRangeUpsideDown_Refused()
    {
        var (file, model) = Factorization.Value;
        var (start, payload) = ModelFileLayout.Payload(file);

        // The model's own payload opens with its rank and mean, then the rating range.
        var mean = BitConverter.SingleToInt32Bits(model.GlobalMean);
        var at = Enumerable.Range(0, payload.Length - 16).First(i => Int(payload, i) == 4 && Int(payload, i + 4) == mean);
        var minimum = payload.AsSpan(at + 8, 4).ToArray();
        payload.AsSpan(at + 12, 4).CopyTo(payload.AsSpan(at + 8));
        minimum.CopyTo(payload.AsSpan(at + 12));

        var error = Refused(ModelFileLayout.Rehashed(file, start, payload));
        Assert.Contains("The matrix-factorization ratings: mean", error, StringComparison.Ordinal);
        Assert.Contains("expected finite values with the minimum at most the maximum.", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_PopularityRankingListsAnItemTwice_Refused()
    {
        var file = ItemKnn.Value;
        var model = Recommender.Load(new MemoryStream(file));
        var (start, payload) = ModelFileLayout.Payload(file);

        // The fallback's global ranking: its count, then the items best first; the second becomes the first again.
        var ranking = model.Fallback.Ranking.ToArray();
        Assert.True(ranking.Length >= 2);
        byte[] pattern = [.. new[] { ranking.Length, ranking[0], ranking[1] }.SelectMany(BitConverter.GetBytes)];
        var at = payload.AsSpan().IndexOf(pattern);
        Assert.True(at >= 0);
        BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(at + 8), ranking[0]);

        var error = Refused(ModelFileLayout.Rehashed(file, start, payload));
        Assert.Contains($"Stored popularity ranking: entry 1 is item {ranking[0]} again; a ranking lists an item once.", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    [InlineData(-1f)]
    public void Load_SeenWeightNotAFiniteNumberAtLeastZero_RefusedNamingTheCell(float weight) =>
        AssertFirstWeightRefused(weight, "seen-interaction matrix", (payload, users, items) => MatrixAt(payload, users, items, fromEnd: false));

    /// <summary>
    /// The exclusion matrix (the seen interactions plus the rows an implicit-feedback model left out) holds weights as
    /// the seen matrix does; only which cells it has was checked, so a NaN or negative value loaded without a word.
    /// </summary>
    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    [InlineData(-1f)]
    public void Load_ExclusionWeightNotAFiniteNumberAtLeastZero_RefusedNamingTheCell(float weight)
    {
        Assert.NotSame(Recommender.Load(new MemoryStream(ItemKnn.Value)).Seen, Recommender.Load(new MemoryStream(ItemKnn.Value)).Excluded);

        // The exclusion matrix is the second users × items matrix of the payload, after the fallback.
        AssertFirstWeightRefused(weight, "exclusion matrix", ExclusionsAt);
    }

    /// <summary>
    /// Writes <paramref name="weight"/> into the first cell of the users × items matrix that <paramref name="locate"/>
    /// finds in the item-kNN file's payload (its row is the first that has a cell; its weight starts the values) and
    /// asserts that loading refuses it naming the matrix, the cell and the weight.
    /// </summary>
    private void AssertFirstWeightRefused(float weight, string matrix, Func<byte[], int, int, int> locate)
    {
        var file = ItemKnn.Value;
        var model = Recommender.Load(new MemoryStream(file));
        var (start, payload) = ModelFileLayout.Payload(file);
        var users = model.Users.Count;
        var at = locate(payload, users, model.Items.Count);
        var pointers = at + 12;
        var columns = pointers + (4 * (users + 1));
        var values = columns + (4 * Int(payload, at + 8));
        var row = Enumerable.Range(0, users).First(r => Int(payload, pointers + (4 * (r + 1))) > 0);
        BinaryPrimitives.WriteSingleLittleEndian(payload.AsSpan(values), weight);

        var error = Refused(ModelFileLayout.Rehashed(file, start, payload));
        Assert.EndsWith(
            string.Create(CultureInfo.InvariantCulture, $"The {matrix}: row {row}, column {Int(payload, columns)} holds the weight {weight}; a weight is a finite number >= 0."),
            error,
            StringComparison.Ordinal);
    }

    /// <summary>
    /// The exclusions are a superset of the seen interactions: a file whose exclusion row lacks a seen cell (its column
    /// changed to one the user has not seen, the row still in order) would recommend that seen item back.
    /// </summary>
    [Fact]
    public void Load_ExclusionsLackASeenInteraction_RefusedNamingTheCell()
    {
        var file = ItemKnn.Value;
        var model = Recommender.Load(new MemoryStream(file));
        var (start, payload) = ModelFileLayout.Payload(file);
        var users = model.Users.Count;
        var items = model.Items.Count;
        var at = ExclusionsAt(payload, users, items);
        var pointers = at + 12;
        var columns = pointers + (4 * (users + 1));

        // The first excluded cell that is also seen and can take a column the user has not seen, the row still in order.
        var (user, cell, column) = Enumerable.Range(0, users).SelectMany(u =>
        {
            var seen = model.Seen.RowColumns(u).ToArray();
            var excluded = model.Excluded.RowColumns(u).ToArray();
            return Enumerable.Range(0, excluded.Length)
                .Where(k => Array.BinarySearch(seen, excluded[k]) >= 0)
                .SelectMany(k => Enumerable.Range(k == 0 ? 0 : excluded[k - 1] + 1, (k == excluded.Length - 1 ? items : excluded[k + 1]) - (k == 0 ? 0 : excluded[k - 1] + 1))
                    .Where(v => Array.BinarySearch(seen, v) < 0)
                    .Select(v => (User: u, Cell: k, Column: v)));
        }).First();
        var lost = model.Excluded.RowColumns(user)[cell];
        BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(columns + (4 * (Int(payload, pointers + (4 * user)) + cell))), column);

        var error = Refused(ModelFileLayout.Rehashed(file, start, payload));
        Assert.EndsWith(
            $"The exclusion matrix: row {user} lacks column {lost}, which the seen-interaction matrix has; the exclusions include every seen interaction.",
            error,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Load_PopularityRankingNotBestFirst_Refused()
    {
        var file = ItemKnn.Value;
        var model = Recommender.Load(new MemoryStream(file));
        var (start, payload) = ModelFileLayout.Payload(file);

        // The global ranking (its count, then its items) has the first two neighbours of different scores change places.
        var ranking = model.Fallback.Ranking.ToArray();
        var scores = model.Fallback.Scores.ToArray();
        var r = Enumerable.Range(0, ranking.Length - 1).First(i => scores[ranking[i]] > scores[ranking[i + 1]]);
        byte[] pattern = [.. new[] { ranking.Length }.Concat(ranking).SelectMany(BitConverter.GetBytes)];
        var at = payload.AsSpan().IndexOf(pattern);
        Assert.True(at >= 0);
        BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(at + 4 + (4 * r)), ranking[r + 1]);
        BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(at + 8 + (4 * r)), ranking[r]);

        var error = Refused(ModelFileLayout.Rehashed(file, start, payload));
        Assert.EndsWith(
            string.Create(CultureInfo.InvariantCulture, $"Stored popularity ranking: entry {r + 1} is item {ranking[r]} of score {scores[ranking[r]]}, after item {ranking[r + 1]} of score {scores[ranking[r + 1]]}; a ranking lists items best first, ties by item index."),
            error,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Load_PopularityTieNotByItemIndex_Refused()
    {
        var (file, model) = Segmented.Value;
        var (start, payload) = ModelFileLayout.Payload(file);

        // Items a and b tie globally at 3 and are ranked a, b; they change places.
        Assert.True(model.Items.TryGetIndex("a", out var a));
        Assert.True(model.Items.TryGetIndex("b", out var b));
        Assert.Equal([a, b], model.Fallback.Ranking[..2].ToArray());
        byte[] pattern = [.. new[] { model.Fallback.Ranking.Length, a, b }.SelectMany(BitConverter.GetBytes)];
        var at = payload.AsSpan().IndexOf(pattern);
        Assert.True(at >= 0);
        BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(at + 4), b);
        BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(at + 8), a);

        var error = Refused(ModelFileLayout.Rehashed(file, start, payload));
        Assert.EndsWith(
            $"Stored popularity ranking: entry 1 is item {a} of score 3, after item {b} of score 3; a ranking lists items best first, ties by item index.",
            error,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SegmentRankingNotBestFirst_Refused()
    {
        var (file, model) = Segmented.Value;
        var (start, payload) = ModelFileLayout.Payload(file);

        // Segment north ranks a (3), b (2), c (1): its name, its count, then (item, score) pairs; the first two change places.
        var at = payload.AsSpan().IndexOf("\u0005north"u8) + 6;
        Assert.Equal(3, Int(payload, at));
        Assert.True(model.Items.TryGetIndex("a", out var a));
        Assert.True(model.Items.TryGetIndex("b", out var b));
        Assert.Equal(a, Int(payload, at + 4));
        var first = payload.AsSpan(at + 4, 8).ToArray();
        payload.AsSpan(at + 12, 8).CopyTo(payload.AsSpan(at + 4));
        first.CopyTo(payload.AsSpan(at + 12));

        var error = Refused(ModelFileLayout.Rehashed(file, start, payload));
        Assert.EndsWith(
            $"Stored ranking of segment 'north': entry 1 is item {a} of score 3, after item {b} of score 2; a ranking lists items best first, ties by item index.",
            error,
            StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(-2f)]
    public void Load_PopularityScoreNotAFiniteNumberAtLeastZero_Refused(float score)
    {
        var (file, model) = Segmented.Value;
        var (start, payload) = ModelFileLayout.Payload(file);

        // The global scores: the catalogue's size, then one score per item; item c's (2) is replaced.
        Assert.True(model.Items.TryGetIndex("c", out var c));
        byte[] pattern = [.. BitConverter.GetBytes(model.Items.Count), .. model.Fallback.Scores.ToArray().SelectMany(BitConverter.GetBytes)];
        var at = payload.AsSpan().IndexOf(pattern);
        Assert.True(at >= 0);
        BinaryPrimitives.WriteSingleLittleEndian(payload.AsSpan(at + 4 + (4 * c)), score);

        var error = Refused(ModelFileLayout.Rehashed(file, start, payload));
        Assert.EndsWith(
            string.Create(CultureInfo.InvariantCulture, $"Stored popularity scores: entry {c} (item {c}) has the score {score}; a popularity score is a finite number >= 0."),
            error,
            StringComparison.Ordinal);
    }

    private static InteractionSet Interactions() => RecommendationData.MovieLens.Select([.. Enumerable.Range(0, 2500)]);

    private static byte[] Saved(Recommender model)
    {
        using var stream = new MemoryStream();
        model.Save(stream);
        return stream.ToArray();
    }

    /// <summary>Loads the edited file from a path; the message of the <see cref="ModelFormatException"/> it must throw.</summary>
    private string Refused(byte[] file)
    {
        var path = Path.Combine(_directory.FullName, "edited.eml");
        File.WriteAllBytes(path, file);
        var error = Assert.Throws<ModelFormatException>(() => Recommender.Load(path));
        Assert.StartsWith("edited.eml: Corrupt recommender payload: ", error.Message, StringComparison.Ordinal);
        return error.Message;
    }

    /// <summary>Where a sparse matrix of <paramref name="rows"/> × <paramref name="columns"/> starts: the first or last place its header and row pointers fit.</summary>
    private static int MatrixAt(byte[] payload, int rows, int columns, bool fromEnd)
    {
        var candidates = Enumerable.Range(0, payload.Length - 12 - (4 * (rows + 1)))
            .Where(i => Int(payload, i) == rows && Int(payload, i + 4) == columns && Int(payload, i + 12) == 0
                && Int(payload, i + 12 + (4 * rows)) == Int(payload, i + 8)
                && (!fromEnd || i + 12 + (4 * (rows + 1)) + (8L * Int(payload, i + 8)) == payload.Length));
        return fromEnd ? candidates.Last() : candidates.First();
    }

    /// <summary>Where the exclusion matrix starts: the second users × items matrix, after the seen one and the flag that says it is stored.</summary>
    private static int ExclusionsAt(byte[] payload, int users, int items)
    {
        var seen = MatrixAt(payload, users, items, fromEnd: false);
        return Enumerable.Range(seen + 1, payload.Length - 12 - (4 * (users + 1)) - seen - 1)
            .First(i => payload[i - 1] == 1 && Int(payload, i) == users && Int(payload, i + 4) == items && Int(payload, i + 12) == 0
                && Int(payload, i + 12 + (4 * users)) == Int(payload, i + 8));
    }

    /// <summary>Swaps the first two cells (column and value) of the first row with two or more; returns the row.</summary>
    private static int SwapFirstPairOfALongRow(byte[] payload, int at, int rows)
    {
        var cells = Int(payload, at + 8);
        var pointers = at + 12;
        var columns = pointers + (4 * (rows + 1));
        var values = columns + (4 * cells);
        var row = Enumerable.Range(0, rows).First(r => Int(payload, pointers + (4 * (r + 1))) - Int(payload, pointers + (4 * r)) >= 2);
        var cell = Int(payload, pointers + (4 * row));
        foreach (var part in new[] { columns, values })
        {
            var a = payload.AsSpan(part + (4 * cell), 4).ToArray();
            payload.AsSpan(part + (4 * (cell + 1)), 4).CopyTo(payload.AsSpan(part + (4 * cell)));
            a.CopyTo(payload.AsSpan(part + (4 * (cell + 1))));
        }

        return row;
    }

    private static int Int(byte[] payload, int at) => BinaryPrimitives.ReadInt32LittleEndian(payload.AsSpan(at));
}
