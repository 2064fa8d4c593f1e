using System.Buffers;
using System.Globalization;
using System.Numerics.Tensors;

namespace EnterpriseML.Engine.Recommendation;

/// <summary>One recommended item for a user, by external id.</summary>
public readonly record struct RecommendedItem(string ItemId, float Score);

/// <summary>The answer to a top-N request: the items, best first, and whether the cold-start fallback produced them.</summary>
public sealed record RecommendationList(IReadOnlyList<RecommendedItem> Items, bool UsedFallback);

/// <summary>
/// A fitted recommender: scores every catalogue item for a user and answers top-N (seen items excluded, optional
/// item filter), similar items, and batch top-N. Users without training history get the
/// <see cref="PopularityFallback"/>. Items without training interactions are never recommended by a collaborative
/// model (they have nothing learnt). Immutable and safe for concurrent use; the per-request scratch comes from
/// <see cref="ArrayPool{T}"/>.
/// </summary>
public abstract class Recommender
{
    private const string Magic = "eml-recommender";
    private const int FormatVersion = 2;

    private readonly bool[] _knownItems;
    private UserItemMatrix _excluded;

    private protected Recommender(RecommenderState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        Users = state.Users;
        Items = state.Items;
        Seen = state.Seen;
        Fallback = state.Fallback;
        _excluded = state.Excluded ?? state.Seen;
        _knownItems = new bool[Items.Count];
        for (var u = 0; u < Seen.RowCount; u++)
        {
            foreach (var item in Seen.RowColumns(u))
            {
                _knownItems[item] = true;
            }
        }
    }

    /// <summary>The trainer that produced this model, for example <c>implicit-als</c>.</summary>
    public abstract string Kind { get; }

    /// <summary>The user id mapping (users seen when the model was trained).</summary>
    public IdIndex Users { get; }

    /// <summary>The item id mapping (the catalogue).</summary>
    public IdIndex Items { get; }

    /// <summary>The training interactions (user × item), excluded from recommendations.</summary>
    public UserItemMatrix Seen { get; }

    /// <summary>
    /// Everything excluded from a user's recommendations: the training interactions plus any other interactions the
    /// user had at fit time that the model did not learn from (for example ratings below the relevance threshold of an
    /// implicit-feedback model). A superset of <see cref="Seen"/>; the same matrix unless <see cref="ExcludeAlso"/> was used.
    /// </summary>
    public UserItemMatrix Excluded => _excluded;

    /// <summary>The cold-start fallback.</summary>
    public PopularityFallback Fallback { get; }

    /// <summary>True when the model can predict explicit ratings (<see cref="PredictRating(int, int)"/>).</summary>
    public virtual bool SupportsRatingPrediction => false;

    /// <summary>True when user <paramref name="user"/> has training history (else the fallback serves them).</summary>
    public bool IsKnownUser(int user) => (uint)user < (uint)Seen.RowCount && Seen.RowLength(user) > 0;

    /// <summary>True when item <paramref name="item"/> had training interactions (only those are recommended).</summary>
    public bool IsKnownItem(int item) => (uint)item < (uint)_knownItems.Length && _knownItems[item];

    /// <summary>The predicted rating of a user for an item; cold users or items fall back to the available biases.</summary>
    /// <exception cref="NotSupportedException">The model does not predict ratings.</exception>
    public virtual float PredictRating(int user, int item) =>
        throw new NotSupportedException($"A {Kind} model ranks items; it does not predict ratings.");

    /// <summary>The predicted rating at a moment (Unix seconds); models without time effects ignore it.</summary>
    public virtual float PredictRating(int user, int item, long timestampSeconds) => PredictRating(user, item);

    /// <summary>
    /// Top-N for user index <paramref name="user"/>: writes up to <c>destination.Length</c> items, best first, and
    /// returns how many. Seen items are excluded unless <paramref name="excludeSeen"/> is false. Users without
    /// history (or indices beyond <see cref="Users"/>) get the fallback, by <paramref name="segment"/> when given.
    /// </summary>
    public int Recommend(int user, Span<ScoredItem> destination, ItemFilter? filter = null, bool excludeSeen = true, string? segment = null)
    {
        if (!IsKnownUser(user))
        {
            var excluded = excludeSeen && (uint)user < (uint)_excluded.RowCount ? _excluded.RowColumns(user) : default;
            return Fallback.Recommend(destination, filter, segment, excluded);
        }

        var itemCount = Items.Count;
        var buffer = ArrayPool<float>.Shared.Rent(itemCount);
        try
        {
            var scores = buffer.AsSpan(0, itemCount);
            ScoreItems(user, scores);
            var seen = excludeSeen ? _excluded.RowColumns(user) : default;
            var top = new TopK(destination);
            var nextSeen = 0;
            for (var item = 0; item < itemCount; item++)
            {
                if (nextSeen < seen.Length && seen[nextSeen] == item)
                {
                    nextSeen++;
                    continue;
                }

                var score = scores[item];
                if (top.Rejects(score) || !_knownItems[item] || (filter is not null && !filter.Allows(item)))
                {
                    continue;
                }

                top.Offer(item, score);
            }

            return top.Complete();
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    /// <summary>Top-<paramref name="count"/> for an external user id; unknown users get the fallback (by segment when given).</summary>
    public RecommendationList Recommend(string userId, int count, ItemFilter? filter = null, string? segment = null)
    {
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var user = Users.TryGetIndex(userId, out var index) ? index : -1;
        var buffer = new ScoredItem[Math.Min(count, Items.Count)];
        var n = Recommend(user, buffer, filter, excludeSeen: true, segment);
        var items = new RecommendedItem[n];
        for (var i = 0; i < n; i++)
        {
            items[i] = new RecommendedItem(Items[buffer[i].Item], buffer[i].Score);
        }

        return new RecommendationList(items, !IsKnownUser(user));
    }

    /// <summary>
    /// Items most similar to item <paramref name="item"/> (itself excluded), best first; returns how many were written.
    /// Factor models use the cosine of item factors, item-knn its neighbour lists, popularity the most popular items.
    /// Unknown items get nothing.
    /// </summary>
    public int SimilarItems(int item, Span<ScoredItem> destination, ItemFilter? filter = null)
    {
        if (!IsKnownItem(item))
        {
            return 0;
        }

        var itemCount = Items.Count;
        var buffer = ArrayPool<float>.Shared.Rent(itemCount);
        try
        {
            var scores = buffer.AsSpan(0, itemCount);
            ScoreSimilarItems(item, scores);
            var top = new TopK(destination);
            for (var other = 0; other < itemCount; other++)
            {
                if (other == item || !_knownItems[other] || (filter is not null && !filter.Allows(other)))
                {
                    continue;
                }

                top.Offer(other, scores[other]);
            }

            return top.Complete();
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    /// <summary>Similar items for an external item id; empty when the item is unknown.</summary>
    public IReadOnlyList<RecommendedItem> SimilarItems(string itemId, int count, ItemFilter? filter = null)
    {
        ArgumentNullException.ThrowIfNull(itemId);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (!Items.TryGetIndex(itemId, out var item))
        {
            return [];
        }

        var buffer = new ScoredItem[Math.Min(count, Items.Count)];
        var n = SimilarItems(item, buffer, filter);
        var items = new RecommendedItem[n];
        for (var i = 0; i < n; i++)
        {
            items[i] = new RecommendedItem(Items[buffer[i].Item], buffer[i].Score);
        }

        return items;
    }

    /// <summary>
    /// Streams top-<paramref name="count"/> for every user of <see cref="Users"/> as CSV with header
    /// <c>user,rank,item,score</c> (rank 1 = best). Users are processed in blocks in parallel (at most
    /// <paramref name="maxDegreeOfParallelism"/> threads) and written in index order, so the output does not depend on
    /// the thread count. Cancellation is checked once per block.
    /// </summary>
    /// <returns>The number of data rows written.</returns>
    public long WriteTopNCsv(TextWriter writer, int count, ItemFilter? filter = null, int maxDegreeOfParallelism = 1, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxDegreeOfParallelism);
        const int blockSize = 256;
        writer.Write("user,rank,item,score\n");
        var k = Math.Min(count, Items.Count);
        var userCount = Users.Count;
        var blocks = (userCount + blockSize - 1) / blockSize;
        var window = Math.Max(1, maxDegreeOfParallelism) * 2;
        var results = new ScoredItem[window][];
        var lengths = new int[window][];
        for (var w = 0; w < window; w++)
        {
            results[w] = new ScoredItem[blockSize * k];
            lengths[w] = new int[blockSize];
        }

        long rows = 0;
        var options = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism, CancellationToken = cancellationToken };
        var line = new System.Text.StringBuilder(128);
        for (var first = 0; first < blocks; first += window)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var last = Math.Min(blocks, first + window);
            Parallel.For(first, last, options, block =>
            {
                var slot = block - first;
                var start = block * blockSize;
                var end = Math.Min(userCount, start + blockSize);
                for (var user = start; user < end; user++)
                {
                    lengths[slot][user - start] = Recommend(user, results[slot].AsSpan((user - start) * k, k), filter);
                }
            });
            for (var block = first; block < last; block++)
            {
                var slot = block - first;
                var start = block * blockSize;
                var end = Math.Min(userCount, start + blockSize);
                for (var user = start; user < end; user++)
                {
                    var n = lengths[slot][user - start];
                    var userId = CsvField(Users[user]);
                    for (var r = 0; r < n; r++)
                    {
                        var scored = results[slot][((user - start) * k) + r];
                        line.Clear();
                        line.Append(userId).Append(',').Append(r + 1).Append(',').Append(CsvField(Items[scored.Item])).Append(',')
                            .Append(scored.Score.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
                        writer.Write(line);
                        rows++;
                    }
                }
            }
        }

        writer.Flush();
        return rows;
    }

    /// <summary>Writes all scores of a known user into <paramref name="scores"/> (length = item count). Higher is better.</summary>
    protected abstract void ScoreItems(int user, Span<float> scores);

    /// <summary>Writes the similarity of every item to <paramref name="item"/> into <paramref name="scores"/>.</summary>
    protected abstract void ScoreSimilarItems(int item, Span<float> scores);

    /// <summary>Writes the model-specific part after the shared header.</summary>
    private protected abstract void WritePayload(BinaryWriter writer);

    /// <summary>A model of this kind with these parameters (shared: they are never written to) over <paramref name="state"/>.</summary>
    private protected abstract Recommender WithState(RecommenderState state);

    /// <summary>Serialises the model (id maps, seen interactions, fallback and the model's parameters).</summary>
    public void Write(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(Magic);
        writer.Write(FormatVersion);
        writer.Write(Kind);
        Users.Write(writer);
        Items.Write(writer);
        Seen.Write(writer);
        Fallback.Write(writer);
        var separateExclusions = !ReferenceEquals(_excluded, Seen);
        writer.Write(separateExclusions);
        if (separateExclusions)
        {
            _excluded.Write(writer);
        }

        WritePayload(writer);
    }

    /// <summary>The <see cref="Models.ModelFile"/> kind of recommendation models.</summary>
    public const string ModelFileKind = "recommender";

    /// <summary>Saves the model as a versioned, checksummed <see cref="Models.ModelFile"/> of kind <see cref="ModelFileKind"/>.</summary>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Models.ModelFile.Write(stream, ModelFileKind, Write);
    }

    /// <summary>Loads a model saved by <see cref="Save"/>.</summary>
    /// <exception cref="Models.ModelFormatException">The file is corrupt, truncated, of another kind or version.</exception>
    public static Recommender Load(Stream stream)
    {
        var content = Models.ModelFile.Read(stream, ModelFileKind);
        using var reader = content.OpenPayload();
        try
        {
            return Read(reader);
        }
        catch (Exception ex) when (Models.PayloadReader.IsPayloadError(ex))
        {
            throw new Models.ModelFormatException($"Corrupt recommender payload: {ex.Message}", ex);
        }
    }

    /// <summary>Loads the model file at <paramref name="path"/>; a <see cref="Models.ModelFormatException"/> names the file.</summary>
    public static Recommender Load(string path)
    {
        using var stream = File.OpenRead(path);
        return Models.ModelFile.NamingFile(path, () => Load(stream));
    }

    /// <summary>Reads a model written by <see cref="Write"/>.</summary>
    /// <exception cref="InvalidDataException">The stream is not a recommender of a supported version or kind.</exception>
    public static Recommender Read(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        if (reader.ReadString() != Magic)
        {
            throw new InvalidDataException("Not an EnterpriseML recommender payload.");
        }

        var version = reader.ReadInt32();
        if (version is < 1 or > FormatVersion)
        {
            throw new InvalidDataException($"Recommender format version {version} is not supported (expected 1 to {FormatVersion}).");
        }

        var kind = reader.ReadString();
        var users = IdIndex.Read(reader);
        var items = IdIndex.Read(reader);
        var seen = UserItemMatrix.Read(reader, "The seen-interaction matrix");
        if (seen.RowCount != users.Count || seen.ColumnCount != items.Count)
        {
            throw new InvalidDataException("Stored seen-interaction matrix does not match the id maps.");
        }

        CheckWeights(seen, "The seen-interaction matrix");

        var fallback = PopularityFallback.Read(reader, items.Count);
        UserItemMatrix? excluded = null;
        if (version >= 2 && reader.ReadBoolean())
        {
            excluded = UserItemMatrix.Read(reader, "The exclusion matrix");
            if (excluded.RowCount != users.Count || excluded.ColumnCount != items.Count)
            {
                throw new InvalidDataException("Stored exclusion matrix does not match the id maps.");
            }

            CheckWeights(excluded, "The exclusion matrix");
            CheckExclusionsIncludeSeen(excluded, seen);
        }

        var state = new RecommenderState(users, items, seen, fallback) { Excluded = excluded };
        return RecommenderKinds.ReadPayload(kind, state, reader);
    }

    /// <summary>
    /// Throws unless every weight of <paramref name="matrix"/> (the seen interactions, or the exclusions, which are
    /// the seen interactions and more interactions' weights) is finite and at least 0, as training stores them (row
    /// weights are finite and non-negative, and <see cref="RecommenderState.CheckSums"/> refuses sums past the largest
    /// float): item-knn scores multiply by the seen weights, so a NaN weight would make every score of its user NaN.
    /// <paramref name="what"/> names the matrix.
    /// </summary>
    private static void CheckWeights(UserItemMatrix matrix, string what)
    {
        for (var user = 0; user < matrix.RowCount; user++)
        {
            var weights = matrix.RowValues(user);
            for (var a = 0; a < weights.Length; a++)
            {
                if (!(weights[a] >= 0f && float.IsFinite(weights[a])))
                {
                    throw new InvalidDataException(string.Create(
                        CultureInfo.InvariantCulture,
                        $"{what}: row {user}, column {matrix.RowColumns(user)[a]} holds the weight {weights[a]}; a weight is a finite number >= 0."));
                }
            }
        }
    }

    /// <summary>
    /// Throws unless every seen interaction is also an exclusion: <see cref="Excluded"/> is a superset of
    /// <see cref="Seen"/> (the union written by <see cref="ExcludeAlso"/>), and recommendations skip exactly its cells,
    /// so a seen cell missing from it would be recommended back to its user. Both matrices' rows are in column order.
    /// </summary>
    private static void CheckExclusionsIncludeSeen(UserItemMatrix excluded, UserItemMatrix seen)
    {
        for (var user = 0; user < seen.RowCount; user++)
        {
            var have = excluded.RowColumns(user);
            var j = 0;
            foreach (var column in seen.RowColumns(user))
            {
                while (j < have.Length && have[j] < column)
                {
                    j++;
                }

                if (j == have.Length || have[j] != column)
                {
                    throw new InvalidDataException(
                        $"The exclusion matrix: row {user} lacks column {column}, which the seen-interaction matrix has; the exclusions include every seen interaction.");
                }

                j++;
            }
        }
    }

    /// <summary>
    /// Adds every interaction of <paramref name="interactions"/> (same id maps as the training set) to
    /// <see cref="Excluded"/>, so items a user interacted with are never recommended to them even when the model did
    /// not learn from those rows. Called once, right after fitting and before the model is shared.
    /// </summary>
    /// <exception cref="ArgumentException">The interactions use other id maps.</exception>
    internal void ExcludeAlso(InteractionSet interactions)
    {
        ArgumentNullException.ThrowIfNull(interactions);
        if (!ReferenceEquals(interactions.Users, Users) || !ReferenceEquals(interactions.Items, Items))
        {
            throw new ArgumentException("The interactions must share the model's user and item id maps.", nameof(interactions));
        }

        // The exclusions are stored with their weights, which a loaded file checks as it checks the seen ones.
        var also = interactions.ToUserItemMatrix(InteractionValue.Weight);
        RecommenderState.CheckSums(interactions, also, nameof(interactions));
        _excluded = UserItemMatrix.Union(_excluded, also);
    }

    /// <summary>
    /// This model with every interaction of <paramref name="interactions"/> (over the same id maps, for example the
    /// held-out part of a split) also excluded from recommendations: a new model with the same parameters, scores and
    /// fallback; this one is unchanged. A model fitted on the training part of a split never learnt from the held-out
    /// interactions, but they are the users' all the same: served as it is, it recommends them back.
    /// </summary>
    /// <exception cref="ArgumentException">The interactions use other id maps, or one user's weights for an item sum past the largest float.</exception>
    public Recommender ExcludingAlso(InteractionSet interactions)
    {
        ArgumentNullException.ThrowIfNull(interactions);
        var copy = WithState(new RecommenderState(Users, Items, Seen, Fallback) { Excluded = ReferenceEquals(_excluded, Seen) ? null : _excluded });
        copy.ExcludeAlso(interactions);
        return copy;
    }

    /// <summary>Writes an <see cref="IdIndex"/> id as a CSV field, quoting when needed.</summary>
    private static string CsvField(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>Cosine similarity of row <paramref name="item"/> of a row-major factor matrix with every row.</summary>
    private protected static void CosineScores(ReadOnlySpan<float> factors, ReadOnlySpan<float> norms, int rank, int item, Span<float> scores)
    {
        var target = factors.Slice(item * rank, rank);
        var targetNorm = norms[item];
        for (var other = 0; other < scores.Length; other++)
        {
            var denominator = targetNorm * norms[other];
            scores[other] = denominator > 0 ? TensorPrimitives.Dot(target, factors.Slice(other * rank, rank)) / denominator : 0f;
        }
    }

    private protected static float[] RowNorms(ReadOnlySpan<float> factors, int rank, int rows)
    {
        var norms = new float[rows];
        for (var r = 0; r < rows; r++)
        {
            norms[r] = TensorPrimitives.Norm(factors.Slice(r * rank, rank));
        }

        return norms;
    }
}

/// <summary>The parts every recommender shares: id maps, seen interactions, fallback.</summary>
internal sealed record RecommenderState(IdIndex Users, IdIndex Items, UserItemMatrix Seen, PopularityFallback Fallback)
{
    /// <summary>Interactions excluded from recommendations beyond <see cref="Seen"/>; null when they are the same.</summary>
    public UserItemMatrix? Excluded { get; init; }

    /// <summary>The state of a model trained on <paramref name="train"/>.</summary>
    /// <exception cref="ArgumentException">The weights of one user's rows of an item sum past the largest float.</exception>
    public static RecommenderState FromTraining(InteractionSet train, double fallbackHalfLifeDays)
    {
        var seen = train.ToUserItemMatrix(InteractionValue.Weight);
        CheckSums(train, seen, nameof(train));
        return new(train.Users, train.Items, seen, PopularityFallback.Build(train, fallbackHalfLifeDays));
    }

    /// <summary>
    /// Each weight is finite, but the rows of one user and item are summed into <paramref name="matrix"/>; a sum past
    /// the largest float would be stored as infinity, which scores multiply by and a loaded file refuses.
    /// </summary>
    /// <exception cref="ArgumentException">A sum is not finite; names the user and item, and <paramref name="parameter"/> as the argument.</exception>
    internal static void CheckSums(InteractionSet interactions, UserItemMatrix matrix, string parameter)
    {
        for (var user = 0; user < matrix.RowCount; user++)
        {
            var weights = matrix.RowValues(user);
            for (var a = 0; a < weights.Length; a++)
            {
                if (!float.IsFinite(weights[a]))
                {
                    throw new ArgumentException(
                        $"User {Models.PayloadReader.Quote(interactions.Users[user])}, item {Models.PayloadReader.Quote(interactions.Items[matrix.RowColumns(user)[a]])}: the weights of its rows sum past {float.MaxValue.ToString(CultureInfo.InvariantCulture)}, the largest a model stores; give smaller weights.",
                        parameter);
                }
            }
        }
    }
}
