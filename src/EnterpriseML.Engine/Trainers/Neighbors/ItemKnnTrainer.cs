using EnterpriseML.Engine.Recommendation;

namespace EnterpriseML.Engine.Trainers.Neighbors;

/// <summary>How <see cref="ItemKnnTrainer"/> weighs interactions before comparing items.</summary>
public enum ItemSimilarity
{
    /// <summary>Cosine of the items' user vectors (interaction weights as values).</summary>
    Cosine,

    /// <summary>
    /// Dot product of Okapi BM25-weighted user vectors (Robertson and Zaragoza 2009): users with many interactions
    /// count less (inverse document frequency) and item vectors are length-normalised.
    /// </summary>
    Bm25,
}

/// <summary>Options of <see cref="ItemKnnTrainer"/>.</summary>
public sealed class ItemKnnOptions
{
    /// <summary>Neighbours kept per item. Default 100; valid range [1, 10000].</summary>
    public int NumberOfNeighbors { get; set; } = ItemKnnTrainer.Defaults.NumberOfNeighbors;

    /// <summary>The similarity. Default <see cref="ItemSimilarity.Cosine"/>.</summary>
    public ItemSimilarity Similarity { get; set; } = ItemSimilarity.Cosine;

    /// <summary>
    /// Shrinkage added to the cosine denominator, damping similarities backed by few co-occurrences
    /// (Koren 2008). Default 0; valid range [0, 10000].
    /// </summary>
    public double Shrinkage { get; set; }

    /// <summary>BM25 term-frequency saturation k₁. Default 1.2; valid range [0, 1000].</summary>
    public double Bm25K1 { get; set; } = ItemKnnTrainer.Defaults.Bm25K1;

    /// <summary>BM25 length normalisation b. Default 0.75; valid range [0, 1].</summary>
    public double Bm25B { get; set; } = ItemKnnTrainer.Defaults.Bm25B;

    /// <summary>Half-life in days of the cold-start popularity fallback (0 = no decay). Default 0; valid range [0, 36500].</summary>
    public double ColdStartHalfLifeDays { get; set; }

    /// <summary>Threads used for the neighbour search; null = all cores. Results do not depend on it. Valid range [1, 1024] or null.</summary>
    public int? MaxDegreeOfParallelism { get; set; }

    /// <summary>Checks every option; throws <see cref="ArgumentOutOfRangeException"/> naming the first bad one.</summary>
    public void Validate()
    {
        if (NumberOfNeighbors is < 1 or > 10_000)
        {
            throw new ArgumentOutOfRangeException(nameof(NumberOfNeighbors), NumberOfNeighbors, "Must be in [1, 10000].");
        }

        if (!Enum.IsDefined(Similarity))
        {
            throw new ArgumentOutOfRangeException(nameof(Similarity), Similarity, "Must be Cosine or Bm25.");
        }

        if (!(Shrinkage >= 0 && Shrinkage <= 10_000))
        {
            throw new ArgumentOutOfRangeException(nameof(Shrinkage), Shrinkage, "Must be in [0, 10000].");
        }

        if (!(Bm25K1 >= 0 && Bm25K1 <= 1000))
        {
            throw new ArgumentOutOfRangeException(nameof(Bm25K1), Bm25K1, "Must be in [0, 1000].");
        }

        if (!(Bm25B >= 0 && Bm25B <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Bm25B), Bm25B, "Must be in [0, 1].");
        }

        if (!(ColdStartHalfLifeDays >= 0 && ColdStartHalfLifeDays <= 36_500))
        {
            throw new ArgumentOutOfRangeException(nameof(ColdStartHalfLifeDays), ColdStartHalfLifeDays, "Must be in [0, 36500].");
        }

        if (MaxDegreeOfParallelism is < 1 or > 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDegreeOfParallelism), MaxDegreeOfParallelism, "Must be in [1, 1024] or null.");
        }
    }
}

/// <summary>
/// Item-based collaborative filtering (Sarwar, Karypis, Konstan and Riedl, "Item-Based Collaborative Filtering
/// Recommendation Algorithms", WWW 2001; Deshpande and Karypis, "Item-Based Top-N Recommendation Algorithms", TOIS
/// 2004): each item keeps its k most similar items, and a user's score for item j is Σ over the user's items i of
/// wᵤᵢ · sim(i, j). Items are processed in parallel; each item's neighbours depend only on the data.
/// </summary>
public sealed class ItemKnnTrainer : IRecommenderTrainer
{
    /// <summary>The CLI name.</summary>
    public const string TrainerName = "item-knn";

    private readonly Settings _settings;

    /// <summary>Creates the trainer with a neighbour count and similarity; the rest keep their defaults.</summary>
    public ItemKnnTrainer(int numberOfNeighbors = Defaults.NumberOfNeighbors, ItemSimilarity similarity = ItemSimilarity.Cosine)
        : this(new ItemKnnOptions { NumberOfNeighbors = numberOfNeighbors, Similarity = similarity })
    {
    }

    /// <summary>Creates the trainer from options, validated and copied.</summary>
    public ItemKnnTrainer(ItemKnnOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _settings = new Settings(options.NumberOfNeighbors, options.Similarity, (float)options.Shrinkage, options.Bm25K1, options.Bm25B,
            options.ColdStartHalfLifeDays, options.MaxDegreeOfParallelism ?? Environment.ProcessorCount);
    }

    public string Name => TrainerName;

    public Recommender Fit(InteractionSet train, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        var s = _settings;
        var state = RecommenderState.FromTraining(train, s.ColdStartHalfLifeDays);
        var byUser = s.Similarity == ItemSimilarity.Bm25 ? Bm25Weight(state.Seen, s.K1, s.B) : state.Seen;
        var byItem = byUser.Transpose();
        var itemCount = byItem.RowCount;
        var norms = new float[itemCount];
        for (var i = 0; i < itemCount; i++)
        {
            if (s.Similarity == ItemSimilarity.Cosine)
            {
                norms[i] = System.Numerics.Tensors.TensorPrimitives.Norm(byItem.RowValues(i));
            }
            else
            {
                norms[i] = byItem.RowLength(i) > 0 ? 1f : 0f;
            }
        }

        var k = Math.Min(s.Neighbors, Math.Max(1, itemCount - 1));
        var neighbors = new int[itemCount * k];
        var similarities = new float[itemCount * k];
        var counts = new int[itemCount];
        var options = new ParallelOptions { MaxDegreeOfParallelism = s.MaxDegreeOfParallelism, CancellationToken = cancellationToken };
        const int blockSize = 32;
        var blocks = (itemCount + blockSize - 1) / blockSize;
        Parallel.For(0, blocks, options, () => (new float[itemCount], new int[itemCount], new ScoredItem[k]), (block, _, scratch) =>
        {
            var (accumulator, touched, heap) = scratch;
            var end = Math.Min(itemCount, (block + 1) * blockSize);
            for (var item = block * blockSize; item < end; item++)
            {
                counts[item] = Neighbours(item, byItem, byUser, norms, s.Shrinkage, accumulator, touched, heap,
                    neighbors.AsSpan(item * k, k), similarities.AsSpan(item * k, k));
            }

            return scratch;
        }, static _ => { });

        // Compact into CSR.
        var pointers = new int[itemCount + 1];
        for (var i = 0; i < itemCount; i++)
        {
            pointers[i + 1] = pointers[i] + counts[i];
        }

        var columns = new int[pointers[itemCount]];
        var values = new float[pointers[itemCount]];
        for (var i = 0; i < itemCount; i++)
        {
            neighbors.AsSpan(i * k, counts[i]).CopyTo(columns.AsSpan(pointers[i]));
            similarities.AsSpan(i * k, counts[i]).CopyTo(values.AsSpan(pointers[i]));
        }

        return new ItemKnnModel(state, new UserItemMatrix(itemCount, itemCount, pointers, columns, values));
    }

    private static int Neighbours(int item, UserItemMatrix byItem, UserItemMatrix byUser, float[] norms, float shrinkage, float[] accumulator, int[] touched, ScoredItem[] heap, Span<int> neighborOut, Span<float> similarityOut)
    {
        if (norms[item] == 0f)
        {
            return 0;
        }

        var touchedCount = 0;
        var users = byItem.RowColumns(item);
        var weights = byItem.RowValues(item);
        for (var a = 0; a < users.Length; a++)
        {
            var w = weights[a];
            var others = byUser.RowColumns(users[a]);
            var otherWeights = byUser.RowValues(users[a]);
            for (var b = 0; b < others.Length; b++)
            {
                // Weights are >= 0, so a positive accumulator marks an item already listed in touched; a zero product
                // (a weight-0 interaction) adds nothing and must not list the item again, or touched overflows.
                var product = w * otherWeights[b];
                if (!(product > 0f))
                {
                    continue;
                }

                var other = others[b];
                if (accumulator[other] == 0f)
                {
                    touched[touchedCount++] = other;
                }

                accumulator[other] += product;
            }
        }

        var top = new TopK(heap);
        for (var t = 0; t < touchedCount; t++)
        {
            var other = touched[t];
            var dot = accumulator[other];
            accumulator[other] = 0f;
            if (other == item || dot <= 0f)
            {
                continue;
            }

            top.Offer(other, dot / ((norms[item] * norms[other]) + shrinkage));
        }

        var n = top.Complete();

        // Neighbour lists are stored by item index so a user's score sums in a fixed order.
        var sorted = heap.AsSpan(0, n);
        sorted.Sort(static (x, y) => x.Item.CompareTo(y.Item));
        for (var i = 0; i < n; i++)
        {
            neighborOut[i] = sorted[i].Item;
            similarityOut[i] = sorted[i].Score;
        }

        return n;
    }

    /// <summary>BM25 weights of the user × item matrix: idf per user (users with many items count less), saturation per cell, item-length normalisation.</summary>
    private static UserItemMatrix Bm25Weight(UserItemMatrix byUser, double k1, double b)
    {
        var byItem = byUser.Transpose();
        var itemCount = byItem.RowCount;
        var userCount = byUser.RowCount;
        var itemLength = new double[itemCount];
        double total = 0;
        var nonEmpty = 0;
        for (var i = 0; i < itemCount; i++)
        {
            foreach (var v in byItem.RowValues(i))
            {
                itemLength[i] += v;
            }

            if (byItem.RowLength(i) > 0)
            {
                total += itemLength[i];
                nonEmpty++;
            }
        }

        var averageLength = nonEmpty == 0 ? 1 : total / nonEmpty;
        var pointers = byUser.RowPointers.ToArray();
        var columns = new int[byUser.NonZeroCount];
        var values = new float[byUser.NonZeroCount];
        var p = 0;
        for (var u = 0; u < userCount; u++)
        {
            var items = byUser.RowColumns(u);
            var raw = byUser.RowValues(u);
            var idf = Math.Log(itemCount) - Math.Log(1.0 + items.Length);
            for (var j = 0; j < items.Length; j++)
            {
                var lengthNorm = (1 - b) + (b * itemLength[items[j]] / averageLength);
                columns[p] = items[j];
                // A weight-0 cell stays 0 (with K1 = 0 the formula would be 0 / 0).
                values[p++] = raw[j] > 0 ? (float)(raw[j] * (k1 + 1) / ((k1 * lengthNorm) + raw[j]) * Math.Max(idf, 1e-3)) : 0f;
            }
        }

        return new UserItemMatrix(userCount, byUser.ColumnCount, pointers, columns, values);
    }

    /// <summary>Default option values.</summary>
    public static class Defaults
    {
        public const int NumberOfNeighbors = 100;
        public const double Bm25K1 = 1.2;
        public const double Bm25B = 0.75;
    }

    private sealed record Settings(int Neighbors, ItemSimilarity Similarity, float Shrinkage, double K1, double B, double ColdStartHalfLifeDays, int MaxDegreeOfParallelism);
}

/// <summary>A fitted item-knn model: the neighbour lists (item × item, sorted by neighbour index) and their similarities.</summary>
public sealed class ItemKnnModel : Recommender
{
    private readonly UserItemMatrix _neighbors;

    internal ItemKnnModel(RecommenderState state, UserItemMatrix neighbors)
        : base(state)
    {
        _neighbors = neighbors;
    }

    public override string Kind => ItemKnnTrainer.TrainerName;

    private protected override Recommender WithState(RecommenderState state) => new ItemKnnModel(state, _neighbors);

    protected override void ScoreItems(int user, Span<float> scores)
    {
        scores.Clear();
        var items = Seen.RowColumns(user);
        var weights = Seen.RowValues(user);
        for (var a = 0; a < items.Length; a++)
        {
            var neighbors = _neighbors.RowColumns(items[a]);
            var similarities = _neighbors.RowValues(items[a]);
            var w = weights[a];
            for (var b = 0; b < neighbors.Length; b++)
            {
                scores[neighbors[b]] += w * similarities[b];
            }
        }
    }

    protected override void ScoreSimilarItems(int item, Span<float> scores)
    {
        scores.Fill(float.NaN);
        var neighbors = _neighbors.RowColumns(item);
        var similarities = _neighbors.RowValues(item);
        for (var b = 0; b < neighbors.Length; b++)
        {
            scores[neighbors[b]] = similarities[b];
        }
    }

    private protected override void WritePayload(BinaryWriter writer) => _neighbors.Write(writer);

    internal static ItemKnnModel ReadPayload(RecommenderState state, BinaryReader reader)
    {
        var neighbors = UserItemMatrix.Read(reader, "The item-knn neighbour lists");
        if (neighbors.RowCount != state.Items.Count || neighbors.ColumnCount != state.Items.Count)
        {
            throw new InvalidDataException("Stored neighbour matrix does not match the item map.");
        }

        // Fitting lists no item as its own neighbour and gives each neighbour a finite similarity; a score sums them.
        for (var item = 0; item < neighbors.RowCount; item++)
        {
            var columns = neighbors.RowColumns(item);
            var similarities = neighbors.RowValues(item);
            for (var b = 0; b < columns.Length; b++)
            {
                if (columns[b] == item || !float.IsFinite(similarities[b]))
                {
                    throw new InvalidDataException(columns[b] == item
                        ? $"The item-knn neighbour lists: item {item} lists itself as a neighbour."
                        : $"The item-knn neighbour lists: item {item} has a similarity of {similarities[b]} to item {columns[b]}; similarities are finite.");
                }
            }
        }

        return new ItemKnnModel(state, neighbors);
    }
}
