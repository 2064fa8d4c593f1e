using System.Globalization;
using System.Text;
using EnterpriseML.Engine.Data;

namespace EnterpriseML.Engine.Recommendation;

/// <summary>Which table columns hold the parts of an interaction. Only <see cref="User"/> and <see cref="Item"/> are required.</summary>
/// <param name="User">The user id column (string or integer).</param>
/// <param name="Item">The item id column (string or integer).</param>
/// <param name="Rating">An explicit rating (numeric), or null for implicit feedback.</param>
/// <param name="Timestamp">A timestamp: a date-time column, or a numeric column of Unix seconds; or null.</param>
/// <param name="Weight">A non-negative interaction strength (count, dwell time, ...), or null for 1 per row.</param>
/// <param name="Segment">A user segment (country, tier, ...) for the cold-start fallback, or null.</param>
public sealed record InteractionColumns(
    string User,
    string Item,
    string? Rating = null,
    string? Timestamp = null,
    string? Weight = null,
    string? Segment = null);

/// <summary>
/// Interaction rows (user, item, optional rating, timestamp, weight and user segment) with users and items mapped to
/// dense indices. Sets produced by <see cref="Select"/>, <see cref="InteractionSplitter"/> or
/// <see cref="FromTables"/> share their <see cref="IdIndex"/> objects, so index <c>u</c> means the same user in the
/// training and the test part. Immutable.
/// </summary>
public sealed class InteractionSet
{
    private readonly int[] _users;
    private readonly int[] _items;
    private readonly float[]? _ratings;
    private readonly long[]? _timestamps;
    private readonly float[]? _weights;
    private readonly string?[]? _segments;

    /// <summary>Builds a set over existing id indices; every array must have the same length.</summary>
    public InteractionSet(
        IdIndex users,
        IdIndex items,
        int[] userIndices,
        int[] itemIndices,
        float[]? ratings = null,
        long[]? timestamps = null,
        float[]? weights = null,
        string?[]? segments = null)
    {
        ArgumentNullException.ThrowIfNull(users);
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(userIndices);
        ArgumentNullException.ThrowIfNull(itemIndices);
        var n = userIndices.Length;
        if (itemIndices.Length != n || (ratings is not null && ratings.Length != n)
            || (timestamps is not null && timestamps.Length != n) || (weights is not null && weights.Length != n)
            || (segments is not null && segments.Length != n))
        {
            throw new ArgumentException("All interaction arrays must have the same length.", nameof(itemIndices));
        }

        for (var i = 0; i < n; i++)
        {
            if ((uint)userIndices[i] >= (uint)users.Count)
            {
                throw new ArgumentOutOfRangeException(nameof(userIndices), userIndices[i], $"Row {i}: user index must be in [0, {users.Count}).");
            }

            if ((uint)itemIndices[i] >= (uint)items.Count)
            {
                throw new ArgumentOutOfRangeException(nameof(itemIndices), itemIndices[i], $"Row {i}: item index must be in [0, {items.Count}).");
            }

            if (weights is not null && !(weights[i] >= 0f && float.IsFinite(weights[i])))
            {
                throw new ArgumentOutOfRangeException(nameof(weights), weights[i], $"Row {i}: weight must be finite and >= 0.");
            }

            if (ratings is not null && !float.IsFinite(ratings[i]))
            {
                throw new ArgumentOutOfRangeException(nameof(ratings), ratings[i], $"Row {i}: rating must be finite.");
            }
        }

        Users = users;
        Items = items;
        _users = userIndices;
        _items = itemIndices;
        _ratings = ratings;
        _timestamps = timestamps;
        _weights = weights;
        _segments = segments;
    }

    /// <summary>The user id mapping (shared with sets derived from this one).</summary>
    public IdIndex Users { get; }

    /// <summary>The item id mapping (shared with sets derived from this one).</summary>
    public IdIndex Items { get; }

    /// <summary>The number of interaction rows.</summary>
    public int Count => _users.Length;

    /// <summary>The dense user index of each row.</summary>
    public ReadOnlySpan<int> UserIndices => _users;

    /// <summary>The dense item index of each row.</summary>
    public ReadOnlySpan<int> ItemIndices => _items;

    /// <summary>True when the rows carry explicit ratings.</summary>
    public bool HasRatings => _ratings is not null;

    /// <summary>The ratings, or empty when <see cref="HasRatings"/> is false.</summary>
    public ReadOnlySpan<float> Ratings => _ratings;

    /// <summary>True when the rows carry timestamps.</summary>
    public bool HasTimestamps => _timestamps is not null;

    /// <summary>Timestamps in Unix seconds, or empty.</summary>
    public ReadOnlySpan<long> Timestamps => _timestamps;

    /// <summary>True when the rows carry explicit weights.</summary>
    public bool HasWeights => _weights is not null;

    /// <summary>Per-row weights, or empty (every row then weighs 1).</summary>
    public ReadOnlySpan<float> Weights => _weights;

    /// <summary>True when the rows carry a user segment.</summary>
    public bool HasSegments => _segments is not null;

    /// <summary>Per-row user segments (null = none), or empty.</summary>
    public ReadOnlySpan<string?> Segments => _segments;

    /// <summary>The weight of row <paramref name="row"/>: its weight when present, else 1.</summary>
    public float WeightAt(int row) => _weights is null ? 1f : _weights[row];

    /// <summary>A set with only the given rows, in that order, sharing the id indices.</summary>
    public InteractionSet Select(ReadOnlySpan<int> rows)
    {
        var users = new int[rows.Length];
        var items = new int[rows.Length];
        var ratings = _ratings is null ? null : new float[rows.Length];
        var timestamps = _timestamps is null ? null : new long[rows.Length];
        var weights = _weights is null ? null : new float[rows.Length];
        var segments = _segments is null ? null : new string?[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            var r = rows[i];
            users[i] = _users[r];
            items[i] = _items[r];
            if (ratings is not null)
            {
                ratings[i] = _ratings![r];
            }

            if (timestamps is not null)
            {
                timestamps[i] = _timestamps![r];
            }

            if (weights is not null)
            {
                weights[i] = _weights![r];
            }

            if (segments is not null)
            {
                segments[i] = _segments![r];
            }
        }

        return new InteractionSet(Users, Items, users, items, ratings, timestamps, weights, segments);
    }

    /// <summary>The rows whose rating is at least <paramref name="threshold"/> (implicit positives from explicit ratings).</summary>
    /// <exception cref="InvalidOperationException">The set has no ratings.</exception>
    public InteractionSet WithRatingAtLeast(float threshold)
    {
        if (_ratings is null)
        {
            throw new InvalidOperationException("The interactions have no rating column.");
        }

        var rows = new List<int>(_ratings.Length);
        for (var i = 0; i < _ratings.Length; i++)
        {
            if (_ratings[i] >= threshold)
            {
                rows.Add(i);
            }
        }

        return Select(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(rows));
    }

    /// <summary>
    /// The user × item matrix of this set in CSR form, duplicates summed. <paramref name="value"/> chooses what is
    /// summed: the row weight (1 when absent) or the rating.
    /// </summary>
    public UserItemMatrix ToUserItemMatrix(InteractionValue value = InteractionValue.Weight)
    {
        if (value == InteractionValue.Rating && _ratings is null)
        {
            throw new InvalidOperationException("The interactions have no rating column.");
        }

        var values = new float[Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = value == InteractionValue.Rating ? _ratings![i] : WeightAt(i);
        }

        return UserItemMatrix.Build(Users.Count, Items.Count, _users, _items, values);
    }

    /// <summary>
    /// Maps one or more tables to interaction sets that share one user and one item index (ids in first-seen order
    /// across the tables). Use it for a training and a test file so that indices agree.
    /// </summary>
    /// <exception cref="ArgumentException">A required column is missing, of the wrong type, or has an empty value (the message names the table, row and column).</exception>
    public static IReadOnlyList<InteractionSet> FromTables(IReadOnlyList<DataTable> tables, InteractionColumns columns)
    {
        ArgumentNullException.ThrowIfNull(tables);
        ArgumentNullException.ThrowIfNull(columns);
        var userBuilder = new IdIndex.Builder();
        var itemBuilder = new IdIndex.Builder();
        var parts = new (int[] Users, int[] Items, float[]? Ratings, long[]? Timestamps, float[]? Weights, string?[]? Segments)[tables.Count];
        for (var t = 0; t < tables.Count; t++)
        {
            var table = tables[t];
            var users = MapIds(table, columns.User, userBuilder, t);
            var items = MapIds(table, columns.Item, itemBuilder, t);
            var ratings = columns.Rating is null ? null : ReadNumbers(table, columns.Rating, t, nonNegative: false);
            var weights = columns.Weight is null ? null : ReadNumbers(table, columns.Weight, t, nonNegative: true);
            var timestamps = columns.Timestamp is null ? null : ReadTimestamps(table, columns.Timestamp, t);
            var segments = columns.Segment is null ? null : ReadStrings(table, columns.Segment);
            parts[t] = (users, items, ratings, timestamps, weights, segments);
        }

        var userIndex = userBuilder.Build();
        var itemIndex = itemBuilder.Build();
        var sets = new InteractionSet[tables.Count];
        for (var t = 0; t < sets.Length; t++)
        {
            var p = parts[t];
            sets[t] = new InteractionSet(userIndex, itemIndex, p.Users, p.Items, p.Ratings, p.Timestamps, p.Weights, p.Segments);
        }

        return sets;
    }

    /// <summary>
    /// Reads interaction CSV files (for example a training and a test file) with <see cref="CsvTable"/> and maps them
    /// with shared id indices. Id, segment and timestamp columns are read as text, so integer ids and Unix-second
    /// timestamps stay exact.
    /// </summary>
    /// <exception cref="CsvFormatException">A file is not a valid table.</exception>
    /// <exception cref="ArgumentException">A named column is missing, mistyped or has an empty value.</exception>
    public static IReadOnlyList<InteractionSet> ReadCsv(IReadOnlyList<string> paths, InteractionColumns columns, CancellationToken cancellationToken = default) =>
        ReadCsv(paths, columns, new CsvOptions(), cancellationToken);

    /// <summary>
    /// As <see cref="ReadCsv(IReadOnlyList{string}, InteractionColumns, CancellationToken)"/>, with the column limit of
    /// <paramref name="limits"/> (<see cref="CsvOptions.MaxColumns"/> and how the user sets it); its column types are
    /// replaced by those of the interaction columns.
    /// </summary>
    public static IReadOnlyList<InteractionSet> ReadCsv(IReadOnlyList<string> paths, InteractionColumns columns, CsvOptions limits, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(limits);
        return ReadCsv(paths, columns, [.. paths.Select(_ => limits)], cancellationToken);
    }

    /// <summary>
    /// As <see cref="ReadCsv(IReadOnlyList{string}, InteractionColumns, CsvOptions, CancellationToken)"/>, with the
    /// column limit and text encoding of each file from its own entry of <paramref name="limits"/> (a training file in
    /// UTF-8 and a test file in Windows-1252, say).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="limits"/> does not hold one entry per path.</exception>
    public static IReadOnlyList<InteractionSet> ReadCsv(IReadOnlyList<string> paths, InteractionColumns columns, IReadOnlyList<CsvOptions> limits, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(limits);
        if (limits.Count != paths.Count)
        {
            throw new ArgumentException($"Expected one CsvOptions per path ({paths.Count}); got {limits.Count}.", nameof(limits));
        }
        var types = new Dictionary<string, ColumnType>(StringComparer.Ordinal)
        {
            [columns.User] = ColumnType.Categorical,
            [columns.Item] = ColumnType.Categorical,
        };
        if (columns.Timestamp is not null)
        {
            types[columns.Timestamp] = ColumnType.Categorical;
        }

        if (columns.Segment is not null)
        {
            types[columns.Segment] = ColumnType.Categorical;
        }

        if (columns.Rating is not null)
        {
            types[columns.Rating] = ColumnType.Numeric;
        }

        if (columns.Weight is not null)
        {
            types[columns.Weight] = ColumnType.Numeric;
        }

        var tables = new DataTable[paths.Count];
        for (var i = 0; i < tables.Length; i++)
        {
            var options = new CsvOptions { ColumnTypes = types, MaxColumns = limits[i].MaxColumns, MaxColumnsSetting = limits[i].MaxColumnsSetting, Encoding = limits[i].Encoding, EncodingSetting = limits[i].EncodingSetting };
            tables[i] = CsvTable.Read(paths[i], options, cancellationToken);
            var path = paths[i];
            CheckMissingMarkers(tables[i], columns, () => CsvRowReader.Open(path, options, cancellationToken), i);
        }

        return FromTables(tables, columns);
    }

    /// <summary>
    /// Refuses an interaction cell of <paramref name="table"/> (read by <see cref="CsvTable"/>) written as a
    /// missing-value marker, quoting it as written with its source, line and column; an empty cell is left to
    /// <see cref="FromTables"/>. <paramref name="reopen"/> opens the same CSV again with the same options, on this error
    /// path only; <paramref name="tableNumber"/> is the table's position among those passed to <see cref="FromTables"/>.
    /// </summary>
    /// <exception cref="ArgumentException">An id, timestamp, rating or weight cell holds a missing-value marker.</exception>
    public static void CheckMissingMarkers(DataTable table, InteractionColumns columns, Func<CsvRowReader> reopen, int tableNumber = 0)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(reopen);
        CheckMissingMarker(reopen, table, columns.User, tableNumber, "a user id cannot be missing; every interaction needs one");
        CheckMissingMarker(reopen, table, columns.Item, tableNumber, "an item id cannot be missing; every interaction needs one");
        CheckMissingMarker(reopen, table, columns.Timestamp, tableNumber, "a timestamp cannot be missing; every interaction needs one");
        CheckMissingMarker(reopen, table, columns.Rating, tableNumber, "expected a finite number");
        CheckMissingMarker(reopen, table, columns.Weight, tableNumber, "expected a finite number >= 0");
    }

    /// <summary>
    /// The CSV reader stores a missing-value marker (<c>NaN</c>, <c>NA</c>, <c>null</c>, <c>?</c>) as it stores an empty
    /// cell. In an id, a timestamp, a rating or a weight such a marker is a value the file states, so the error for the
    /// column's first missing value quotes it as written, read again from its row (on this error path only), and says
    /// <paramref name="requirement"/>; an empty cell is left to <see cref="MissingValue"/>.
    /// </summary>
    private static void CheckMissingMarker(Func<CsvRowReader> reopen, DataTable table, string? name, int tableNumber, string requirement)
    {
        // A column the table lacks is left to FromTables, which names it.
        if (name is null || !table.TryGetColumn(name, out var column))
        {
            return;
        }

        var row = FirstMissing(column);
        if (row < 0)
        {
            return;
        }

        using var reader = reopen();
        var ordinal = reader.GetOrdinal(name);
        for (var r = 0; r <= row; r++)
        {
            if (!reader.Read())
            {
                return; // the file changed since it was read: leave the error to MissingValue
            }
        }

        var written = Encoding.UTF8.GetString(reader.GetUtf8(ordinal));
        if (written.Length > 0)
        {
            throw new ArgumentException($"{Where(column, tableNumber, row)}: column '{name}' holds '{written}', which reads as a missing value; {requirement}.");
        }
    }

    /// <summary>The first row whose value <paramref name="column"/> holds as missing, or -1.</summary>
    private static int FirstMissing(DataColumn column)
    {
        for (var row = 0; row < column.Length; row++)
        {
            if (column.IsMissing(row))
            {
                return row;
            }
        }

        return -1;
    }

    /// <summary>Maps one table; see <see cref="FromTables"/>.</summary>
    public static InteractionSet FromTable(DataTable table, InteractionColumns columns) => FromTables([table], columns)[0];

    /// <summary>Builds a set from raw id strings (convenience for tests, benchmarks and small data).</summary>
    public static InteractionSet FromIds(
        IReadOnlyList<string> users,
        IReadOnlyList<string> items,
        float[]? ratings = null,
        long[]? timestamps = null,
        float[]? weights = null,
        string?[]? segments = null)
    {
        ArgumentNullException.ThrowIfNull(users);
        ArgumentNullException.ThrowIfNull(items);
        if (users.Count != items.Count)
        {
            throw new ArgumentException($"{users.Count} users for {items.Count} items.", nameof(items));
        }

        var userBuilder = new IdIndex.Builder();
        var itemBuilder = new IdIndex.Builder();
        var u = new int[users.Count];
        var it = new int[items.Count];
        for (var i = 0; i < u.Length; i++)
        {
            u[i] = userBuilder.GetOrAdd(users[i]);
            it[i] = itemBuilder.GetOrAdd(items[i]);
        }

        return new InteractionSet(userBuilder.Build(), itemBuilder.Build(), u, it, ratings, timestamps, weights, segments);
    }

    private static int[] MapIds(DataTable table, string name, IdIndex.Builder builder, int tableNumber)
    {
        var column = table[name];
        var indices = new int[table.RowCount];
        switch (column)
        {
            case StringColumn s:
                for (var i = 0; i < indices.Length; i++)
                {
                    var value = s.Values[i];
                    indices[i] = builder.GetOrAdd(value ?? throw MissingValue(column, tableNumber, i));
                }

                break;
            case NumericColumn n:
                for (var i = 0; i < indices.Length; i++)
                {
                    var value = n.Values[i];
                    if (float.IsNaN(value))
                    {
                        throw MissingValue(column, tableNumber, i);
                    }

                    indices[i] = builder.GetOrAdd(value.ToString("R", CultureInfo.InvariantCulture));
                }

                break;
            default:
                throw new ArgumentException($"Column '{name}' is {column.Type}; an id column must be text or numeric.", nameof(table));
        }

        return indices;
    }

    private static float[] ReadNumbers(DataTable table, string name, int tableNumber, bool nonNegative)
    {
        if (table[name] is not NumericColumn column)
        {
            throw new ArgumentException($"Column '{name}' is {table[name].Type}; expected a numeric column.", nameof(table));
        }

        var values = column.Values.ToArray();
        for (var i = 0; i < values.Length; i++)
        {
            if (float.IsNaN(values[i]))
            {
                throw MissingValue(column, tableNumber, i);
            }

            if (!float.IsFinite(values[i]) || (nonNegative && values[i] < 0f))
            {
                throw new ArgumentException(
                    $"{Where(column, tableNumber, i)}: column '{name}' holds {values[i].ToString(CultureInfo.InvariantCulture)}; expected a finite number{(nonNegative ? " >= 0" : "")}.");
            }
        }

        return values;
    }

    private static long[] ReadTimestamps(DataTable table, string name, int tableNumber)
    {
        var column = table[name];
        var values = new long[table.RowCount];
        switch (column)
        {
            case DateTimeColumn d:
                for (var i = 0; i < values.Length; i++)
                {
                    var ticks = d.Ticks[i];
                    if (ticks == DateTimeColumn.Missing)
                    {
                        throw MissingValue(column, tableNumber, i);
                    }

                    values[i] = (ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerSecond;
                }

                break;
            case NumericColumn n:
                // Float storage rounds Unix seconds to about 2 minutes; read the column as text for exact times.
                for (var i = 0; i < values.Length; i++)
                {
                    var v = n.Values[i];
                    if (float.IsNaN(v))
                    {
                        throw MissingValue(column, tableNumber, i);
                    }

                    values[i] = (long)v;
                }

                break;
            case StringColumn s:
                for (var i = 0; i < values.Length; i++)
                {
                    var text = s.Values[i] ?? throw MissingValue(column, tableNumber, i);
                    if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds))
                    {
                        values[i] = seconds;
                    }
                    else if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var moment))
                    {
                        values[i] = moment.ToUnixTimeSeconds();
                    }
                    else
                    {
                        throw new ArgumentException(
                            $"{Where(column, tableNumber, i)}: column '{name}' holds '{text}'; expected Unix seconds or a date-time.");
                    }
                }

                break;
            default:
                throw new ArgumentException($"Column '{name}' is {column.Type}; a timestamp must be a date-time or Unix seconds.", nameof(table));
        }

        return values;
    }

    private static string?[] ReadStrings(DataTable table, string name)
    {
        var column = table[name];
        var values = new string?[table.RowCount];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = column switch
            {
                StringColumn s => s.Values[i],
                NumericColumn n => float.IsNaN(n.Values[i]) ? null : n.Values[i].ToString("R", CultureInfo.InvariantCulture),
                _ => throw new ArgumentException($"Column '{name}' is {column.Type}; a segment must be text or numeric.", nameof(table)),
            };
        }

        return values;
    }

    private static ArgumentException MissingValue(DataColumn column, int table, int row) =>
        new($"{Where(column, table, row)}: column '{column.Name}' is empty; every interaction needs it.");

    /// <summary>
    /// Where a row came from, for messages: the file and the line the row starts on when the column was read by
    /// <see cref="CsvTable"/>, else the table's position and the data row (both counted from 1).
    /// </summary>
    private static string Where(DataColumn column, int table, int row) =>
        column.SourceLines is { } lines ? $"{lines.SourceName}, line {lines.LineOf(row)}" : $"Table {table + 1}, data row {row + 1}";
}

/// <summary>What a <see cref="UserItemMatrix"/> cell sums over the rows of a user–item pair.</summary>
public enum InteractionValue
{
    /// <summary>The row weight, 1 when the set has none (so a cell counts interactions).</summary>
    Weight,

    /// <summary>The explicit rating.</summary>
    Rating,
}
