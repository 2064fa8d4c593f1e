using System.Globalization;

namespace EnterpriseML.Engine.Data;

/// <summary>
/// Finds feature columns that look like row identifiers. A numeric one (an order number, a customer id) holds a
/// different whole number in every row: a model reads it as a quantity and learns the file's row order from it, which
/// leaks the label whenever the rows were sorted or appended by something the label depends on (a diamonds file sorted
/// by price and numbered 1..N predicts its price from the number alone, R² 0.9996 against 0.968 without it). A
/// categorical one (<c>ORD-00017</c>, a hash, an e-mail address) holds a different value in (nearly) every row: the
/// featurizers keep a level only for a value seen in at least two training rows, so the column is a constant when
/// every value is unique and otherwise gives the few repeated values levels a model can learn by heart.
/// </summary>
public static class IdentifierColumns
{
    /// <summary>Fewer rows than this are never called identifiers: in a small file distinct whole numbers are common.</summary>
    public const int MinimumRows = 50;

    /// <summary>Fewest distinct values per present value for a categorical column to be called an identifier.</summary>
    public const double MinimumDistinctShare = 0.95;

    /// <summary>
    /// A sentence for the user when <paramref name="column"/> is numeric (not boolean), has at least
    /// <see cref="MinimumRows"/> rows, none missing, and holds a different whole number in each; or when it is
    /// categorical, has at least <see cref="MinimumRows"/> present values, at least <see cref="MinimumDistinctShare"/>
    /// of them distinct, each a single token of 3 characters or more holding a digit or an '@' (<c>ORD-00017</c>, a
    /// hash, a UUID, an e-mail address), and says what the featurizers do with it. Null otherwise.
    /// </summary>
    public static string? Note(DataColumn column)
    {
        ArgumentNullException.ThrowIfNull(column);
        if (column is StringColumn { Type: ColumnType.Categorical } categorical)
        {
            return CategoricalNote(categorical);
        }

        if (column is not NumericColumn { Type: ColumnType.Numeric } numeric || numeric.Length < MinimumRows)
        {
            return null;
        }

        var values = numeric.Values.ToArray();
        foreach (var v in values)
        {
            // NaN (missing) and fractions both fail this; a float holds every whole number up to 2^24 exactly.
            if (!(v == MathF.Round(v)))
            {
                return null;
            }
        }

        Array.Sort(values);
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] == values[i - 1])
            {
                return null;
            }
        }

        var range = string.Create(CultureInfo.InvariantCulture, $"each of its {values.Length:N0} rows ({values[0]} to {values[^1]})");
        return $"column '{column.Name}' holds a different whole number in {range}, as an identifier does: " +
            "a model learns the file's row order from it, which leaks the label when the rows were sorted or numbered by something the label depends on";
    }

    private static string? CategoricalNote(StringColumn column)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        string? example = null;
        var present = 0;
        foreach (var value in column.Values)
        {
            if (value is null)
            {
                continue;
            }

            if (!LooksLikeIdentifier(value))
            {
                return null;
            }

            example ??= value;
            present++;
            counts[value] = counts.GetValueOrDefault(value) + 1;
        }

        if (present < MinimumRows || counts.Count < MinimumDistinctShare * present)
        {
            return null;
        }

        // What every candidate's featurisation does with it (the featurizer defaults, which the sweeps and eml train use).
        var defaults = new Featurizers.FeaturizerOptions();
        var minimum = defaults.MinimumCategoryCount;
        var repeated = counts.Values.Count(c => c >= minimum);
        var rows = string.Create(CultureInfo.InvariantCulture,
            $"{(counts.Count == present ? "a different value in each of its" : $"{counts.Count:N0} distinct values in its")} {present:N0} rows{(column.Length == present ? "" : $" with a value, of {column.Length:N0}")}");
        var head = $"column '{column.Name}' holds {rows} (such as '{example}'), as an identifier does: ";
        if (repeated == 0)
        {
            return head + string.Create(CultureInfo.InvariantCulture,
                $"as a category each value is in one row, fewer than the {minimum} a level needs, so every row with a value falls in the one 'other' level and the column ") +
                (column.Length == present ? "is a constant that tells a model nothing" : "tells a model only whether a row has a value");
        }

        var many = (repeated > defaults.MaximumOneHotLevels ? string.Create(CultureInfo.InvariantCulture,
                $"; past {defaults.MaximumOneHotLevels} levels one-hot encoding hashes every value, the unique ones too, into {1 << defaults.HashingBits:N0} indicators") : "")
            + (repeated > defaults.MaximumCategoryCodes ? string.Create(CultureInfo.InvariantCulture,
                $"{(repeated > defaults.MaximumOneHotLevels ? "," : ";")} and the trees' codes keep the {defaults.MaximumCategoryCodes} most frequent") : "");
        return head + string.Create(CultureInfo.InvariantCulture,
            $"the {repeated:N0} value{(repeated == 1 ? "" : "s")} seen in {minimum} rows or more become{(repeated == 1 ? "s a level" : " levels")} of {(repeated == 1 ? "its" : "their")} own and the rest share the 'other' level{many}: a model can learn the labels of the repeated values by heart, which says nothing of new ones");
    }

    /// <summary>One token (no white space) of 3 characters or more holding a digit or an '@'.</summary>
    private static bool LooksLikeIdentifier(string value)
    {
        if (value.Length < 3)
        {
            return false;
        }

        var marked = false;
        foreach (var c in value)
        {
            if (char.IsWhiteSpace(c))
            {
                return false;
            }

            marked |= char.IsAsciiDigit(c) || c == '@';
        }

        return marked;
    }
}
