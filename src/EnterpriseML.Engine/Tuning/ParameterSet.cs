using System.Globalization;
using System.Text;

namespace EnterpriseML.Engine.Tuning;

/// <summary>Immutable, ordered named hyperparameter values: what a candidate's Fit reads.</summary>
public sealed class ParameterSet
{
    private readonly KeyValuePair<string, ParameterValue>[] _values;

    public ParameterSet(IEnumerable<KeyValuePair<string, ParameterValue>> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        _values = [.. values];
    }

    /// <summary>No parameters.</summary>
    public static ParameterSet Empty { get; } = new([]);

    /// <summary>The values, in search-space order.</summary>
    public IReadOnlyList<KeyValuePair<string, ParameterValue>> Values => _values;

    public int Count => _values.Length;

    /// <summary>The value named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such parameter.</exception>
    public ParameterValue this[string name] => TryGet(name, out var value)
        ? value
        : throw new KeyNotFoundException($"No parameter named '{name}'. Available: {string.Join(", ", _values.Select(v => v.Key))}.");

    public bool TryGet(string name, out ParameterValue value)
    {
        foreach (var pair in _values)
        {
            if (string.Equals(pair.Key, name, StringComparison.Ordinal))
            {
                value = pair.Value;
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>A numeric value.</summary>
    public double GetDouble(string name) => this[name].Number;

    /// <summary>An integer value (integer dimensions are already rounded).</summary>
    public int GetInt(string name) => (int)Math.Round(this[name].Number);

    /// <summary>A choice value.</summary>
    public string GetChoice(string name) => this[name].Choice ?? throw new InvalidOperationException($"Parameter '{name}' is not a choice.");

    /// <summary><c>Name=Value</c> pairs separated by spaces, invariant culture (the CLI's <c>--set</c> syntax).</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var pair in _values)
        {
            if (text.Length > 0)
            {
                text.Append(' ');
            }

            text.Append(pair.Key).Append('=').Append(pair.Value.ToString());
        }

        return text.ToString();
    }

    /// <summary>Values formatted for <c>--set Name=Value</c> and JSON (numbers in round-trip invariant form).</summary>
    public IEnumerable<KeyValuePair<string, string>> AsStrings()
    {
        foreach (var pair in _values)
        {
            yield return new(pair.Key, pair.Value.Choice ?? pair.Value.Number.ToString("R", CultureInfo.InvariantCulture));
        }
    }
}
