using System.Globalization;

namespace EnterpriseML.Engine.Data;

/// <summary>
/// Finds numeric feature columns that look like row identifiers (an order number, a customer id): a different whole
/// number in every row. A model reads such a column as a quantity and learns the file's row order from it, which
/// leaks the label whenever the rows were sorted or appended by something the label depends on (a diamonds file sorted
/// by price and numbered 1..N predicts its price from the number alone, R² 0.9996 against 0.968 without it).
/// </summary>
public static class IdentifierColumns
{
    /// <summary>Fewer rows than this are never called identifiers: in a small file distinct whole numbers are common.</summary>
    public const int MinimumRows = 50;

    /// <summary>
    /// A sentence for the user when <paramref name="column"/> is numeric (not boolean), has at least
    /// <see cref="MinimumRows"/> rows, none missing, and holds a different whole number in each; null otherwise.
    /// </summary>
    public static string? Note(DataColumn column)
    {
        ArgumentNullException.ThrowIfNull(column);
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
}
