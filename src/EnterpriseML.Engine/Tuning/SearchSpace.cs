using System.Globalization;

namespace EnterpriseML.Engine.Tuning;

/// <summary>How a numeric search dimension maps the unit interval onto its range.</summary>
public enum SearchScale
{
    /// <summary>Uniform in the value.</summary>
    Linear,

    /// <summary>Uniform in the logarithm of the value; the range must be positive.</summary>
    Log,
}

/// <summary>
/// One dimension of a <see cref="SearchSpace"/>: a float or integer range (linear or log scale), or a set of choices.
/// Each has a default, which for trainers is the low-cost starting point (few trees, few leaves, strong regularisation)
/// that cost-frugal tuning starts from.
/// </summary>
public sealed class SearchParameter
{
    private SearchParameter(string name, SearchParameterKind kind, double minimum, double maximum, SearchScale scale,
        double defaultValue, string[] choices, int gridSteps)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        Kind = kind;
        Minimum = minimum;
        Maximum = maximum;
        Scale = scale;
        Default = defaultValue;
        Choices = choices;
        GridSteps = gridSteps;
    }

    /// <summary>The option name the value is assigned to, for example <c>NumberOfLeaves</c>.</summary>
    public string Name { get; }

    public SearchParameterKind Kind { get; }

    /// <summary>The smallest value (numeric kinds).</summary>
    public double Minimum { get; }

    /// <summary>The largest value (numeric kinds).</summary>
    public double Maximum { get; }

    public SearchScale Scale { get; }

    /// <summary>The default value; for <see cref="SearchParameterKind.Choice"/> the index of the default choice.</summary>
    public double Default { get; }

    /// <summary>The choices (empty for numeric kinds).</summary>
    public IReadOnlyList<string> Choices { get; }

    /// <summary>
    /// How many values grid search tries on this dimension (all choices for a choice dimension): at most this many on
    /// an integer range, whose evenly spaced values can round to the same integer (see <see cref="GridUnits"/>).
    /// </summary>
    public int GridSteps { get; }

    /// <summary>A real-valued dimension in [<paramref name="minimum"/>, <paramref name="maximum"/>].</summary>
    public static SearchParameter Float(string name, double minimum, double maximum, double defaultValue,
        SearchScale scale = SearchScale.Linear, int gridSteps = 3)
    {
        ValidateRange(name, minimum, maximum, defaultValue, scale, gridSteps);
        // A single-value range has one grid point: its steps all map to the same value.
        gridSteps = minimum == maximum ? 1 : gridSteps;
        return new SearchParameter(name, SearchParameterKind.Float, minimum, maximum, scale, defaultValue, [], gridSteps);
    }

    /// <summary>An integer dimension in [<paramref name="minimum"/>, <paramref name="maximum"/>].</summary>
    public static SearchParameter Int(string name, int minimum, int maximum, int defaultValue,
        SearchScale scale = SearchScale.Linear, int gridSteps = 3)
    {
        ValidateRange(name, minimum, maximum, defaultValue, scale, gridSteps);
        // In long: the count of integers in [int.MinValue, int.MaxValue] does not fit in an int.
        gridSteps = (int)Math.Min(gridSteps, (long)maximum - minimum + 1);
        return new SearchParameter(name, SearchParameterKind.Int, minimum, maximum, scale, defaultValue, [], gridSteps);
    }

    /// <summary>A categorical dimension over <paramref name="choices"/>; <paramref name="defaultChoice"/> must be one of them.</summary>
    public static SearchParameter Choice(string name, IReadOnlyList<string> choices, string defaultChoice)
    {
        ArgumentNullException.ThrowIfNull(choices);
        if (choices.Count == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(choices), choices.Count, "Must hold at least one choice.");
        }

        var index = -1;
        for (var i = 0; i < choices.Count; i++)
        {
            if (string.Equals(choices[i], defaultChoice, StringComparison.Ordinal))
            {
                index = i;
            }
        }

        if (index < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(defaultChoice), defaultChoice, "Must be one of the choices.");
        }

        return new SearchParameter(name, SearchParameterKind.Choice, 0, choices.Count - 1, SearchScale.Linear, index,
            [.. choices], choices.Count);
    }

    /// <summary>Maps a unit coordinate (clamped to [0, 1]) to this dimension's value.</summary>
    public ParameterValue FromUnit(double unit)
    {
        unit = double.IsNaN(unit) ? 0.5 : Math.Clamp(unit, 0.0, 1.0);
        switch (Kind)
        {
            case SearchParameterKind.Choice:
                return ParameterValue.FromChoice(Choices[Math.Min((int)(unit * Choices.Count), Choices.Count - 1)]);
            case SearchParameterKind.Int:
                {
                    // Each integer owns an equal slice of the unit interval (in the chosen scale).
                    double value;
                    if (Scale == SearchScale.Log)
                    {
                        var lo = Math.Log(Minimum - 0.5 > 0 ? Minimum - 0.5 : Minimum * 0.5);
                        var hi = Math.Log(Maximum + 0.5);
                        value = Math.Exp(lo + (unit * (hi - lo)));
                    }
                    else
                    {
                        value = (Minimum - 0.5) + (unit * (Maximum - Minimum + 1));
                    }

                    return ParameterValue.FromNumber(Math.Clamp(Math.Round(value, MidpointRounding.AwayFromZero), Minimum, Maximum));
                }

            default:
                {
                    var span = Maximum - Minimum;
                    var value = Scale == SearchScale.Log
                        ? Math.Exp(Math.Log(Minimum) + (unit * (Math.Log(Maximum) - Math.Log(Minimum))))
                        : double.IsFinite(span) ? Minimum + (unit * span)
                        // A range wider than double.MaxValue (−1e308 … 1e308): the span overflows and 0 × ∞ is NaN.
                        : ((1 - unit) * Minimum) + (unit * Maximum);
                    return ParameterValue.FromNumber(Math.Clamp(value, Minimum, Maximum));
                }
        }
    }

    /// <summary>Maps a value of this dimension back to its unit coordinate (the centre of its slice for ints and choices).</summary>
    public double ToUnit(ParameterValue value)
    {
        switch (Kind)
        {
            case SearchParameterKind.Choice:
                {
                    for (var i = 0; i < Choices.Count; i++)
                    {
                        if (string.Equals(Choices[i], value.Choice, StringComparison.Ordinal))
                        {
                            return (i + 0.5) / Choices.Count;
                        }
                    }

                    throw new ArgumentOutOfRangeException(nameof(value), value.Choice, $"Not a choice of '{Name}'.");
                }

            case SearchParameterKind.Int:
                if (Scale == SearchScale.Log)
                {
                    var lo = Math.Log(Minimum - 0.5 > 0 ? Minimum - 0.5 : Minimum * 0.5);
                    var hi = Math.Log(Maximum + 0.5);
                    return Math.Clamp((Math.Log(value.Number) - lo) / (hi - lo), 0, 1);
                }

                return Math.Clamp((value.Number - (Minimum - 0.5)) / (Maximum - Minimum + 1), 0, 1);
            default:
                if (Maximum == Minimum)
                {
                    return 0.5;
                }

                return Scale == SearchScale.Log
                    ? Math.Clamp((Math.Log(value.Number) - Math.Log(Minimum)) / (Math.Log(Maximum) - Math.Log(Minimum)), 0, 1)
                    : double.IsFinite(Maximum - Minimum) ? Math.Clamp((value.Number - Minimum) / (Maximum - Minimum), 0, 1)
                    : Math.Clamp(((value.Number / 2) - (Minimum / 2)) / ((Maximum / 2) - (Minimum / 2)), 0, 1);
        }
    }

    /// <summary>The unit coordinate of the default value.</summary>
    public double DefaultUnit => Kind == SearchParameterKind.Choice
        ? (Default + 0.5) / Choices.Count
        : ToUnit(ParameterValue.FromNumber(Default));

    /// <summary>
    /// The unit coordinates grid search visits on this dimension, in increasing order. With two or more steps a
    /// numeric range's grid holds both its ends and values evenly spaced between them on its scale (in the logarithm
    /// on a log scale); an integer range rounds them and drops repeats, so a narrow log range can have fewer values
    /// than <see cref="GridSteps"/>. One step is the middle of the range; a choice dimension visits every choice.
    /// </summary>
    public double[] GridUnits()
    {
        var steps = GridSteps;
        if (Kind == SearchParameterKind.Int && steps > 1)
        {
            var values = new List<double>(steps);
            for (var i = 0; i < steps; i++)
            {
                var t = (double)i / (steps - 1);
                var value = Scale == SearchScale.Log
                    ? Math.Exp(Math.Log(Minimum) + (t * (Math.Log(Maximum) - Math.Log(Minimum))))
                    : Minimum + (t * (Maximum - Minimum));
                value = Math.Clamp(Math.Round(value, MidpointRounding.AwayFromZero), Minimum, Maximum);
                if (values.Count == 0 || value > values[^1])
                {
                    values.Add(value);
                }
            }

            var intUnits = new double[values.Count];
            for (var i = 0; i < intUnits.Length; i++)
            {
                intUnits[i] = ToUnit(ParameterValue.FromNumber(values[i]));
            }

            return intUnits;
        }

        var units = new double[steps];
        for (var i = 0; i < steps; i++)
        {
            units[i] = Kind == SearchParameterKind.Choice || steps == 1
                ? (i + 0.5) / steps
                : (double)i / (steps - 1);
        }

        return units;
    }

    public override string ToString() => Kind switch
    {
        SearchParameterKind.Choice => $"{Name} ∈ {{{string.Join(", ", Choices)}}}",
        _ => string.Create(CultureInfo.InvariantCulture, $"{Name} ∈ [{Minimum}, {Maximum}] {Kind} {Scale}"),
    };

    private static void ValidateRange(string name, double minimum, double maximum, double defaultValue, SearchScale scale, int gridSteps)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!double.IsFinite(minimum) || (scale == SearchScale.Log && minimum <= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(minimum), minimum, scale == SearchScale.Log ? "Must be finite and > 0 on a log scale." : "Must be finite.");
        }

        if (!double.IsFinite(maximum) || maximum < minimum)
        {
            throw new ArgumentOutOfRangeException(nameof(maximum), maximum, $"Must be finite and ≥ the minimum {minimum}.");
        }

        if (!(defaultValue >= minimum && defaultValue <= maximum))
        {
            throw new ArgumentOutOfRangeException(nameof(defaultValue), defaultValue, $"Must be in [{minimum}, {maximum}].");
        }

        if (gridSteps < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(gridSteps), gridSteps, "Must be ≥ 1.");
        }
    }
}

/// <summary>The kind of a <see cref="SearchParameter"/>.</summary>
public enum SearchParameterKind
{
    Float,
    Int,
    Choice,
}

/// <summary>One typed hyperparameter value: a number (float or integer dimensions) or a choice.</summary>
public readonly record struct ParameterValue(double Number, string? Choice)
{
    public static ParameterValue FromNumber(double number) => new(number, null);

    public static ParameterValue FromChoice(string choice) => new(double.NaN, choice);

    public bool IsChoice => Choice is not null;

    public override string ToString() => Choice ?? Number.ToString("G6", CultureInfo.InvariantCulture);
}

/// <summary>
/// A search space: an ordered list of dimensions. It maps a point of the unit hypercube (what tuners see) to typed
/// parameter values (what trainers and candidates read), and back. Declared in C# beside its trainer or candidate.
/// </summary>
public sealed class SearchSpace
{
    private readonly SearchParameter[] _parameters;
    private double[][] _warmStart = [];

    public SearchSpace(params SearchParameter[] parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in parameters)
        {
            ArgumentNullException.ThrowIfNull(p);
            if (!names.Add(p.Name))
            {
                throw new ArgumentException($"Duplicate search parameter '{p.Name}'.", nameof(parameters));
            }
        }

        _parameters = [.. parameters];
    }

    /// <summary>A space with no dimensions (a candidate without hyperparameters).</summary>
    public static SearchSpace Empty { get; } = new();

    /// <summary>The dimensions, in order.</summary>
    public IReadOnlyList<SearchParameter> Parameters => _parameters;

    /// <summary>The number of dimensions of the unit hypercube.</summary>
    public int Dimension => _parameters.Length;

    /// <summary>
    /// True when every point of the space is the same configuration: no dimensions, or only single-value ranges and
    /// single choices. Such a space has one trial's worth of search.
    /// </summary>
    public bool HasOneConfiguration => Array.TrueForAll(_parameters,
        p => p.Kind == SearchParameterKind.Choice ? p.Choices.Count == 1 : p.Minimum == p.Maximum);

    /// <summary>The unit point of every default (the low-cost starting configuration).</summary>
    public double[] DefaultPoint()
    {
        var point = new double[_parameters.Length];
        for (var i = 0; i < point.Length; i++)
        {
            point[i] = _parameters[i].DefaultUnit;
        }

        return point;
    }

    /// <summary>
    /// Known-good configurations (as unit points) that the cost-frugal tuner evaluates right after the low-cost
    /// default, before its local search (FLAML's <c>points_to_evaluate</c>): a library's usual defaults, which are
    /// rarely bad and far from the cheap start. Whichever of them scores best becomes the search's incumbent.
    /// Empty unless declared with <see cref="WithWarmStart"/>.
    /// </summary>
    public IReadOnlyList<double[]> WarmStartPoints => _warmStart;

    /// <summary>
    /// A copy of this space with one more warm-start configuration: <paramref name="values"/> names numeric
    /// dimensions and their values (inside the bounds), <paramref name="choices"/> choice dimensions and one of their
    /// choices; unnamed dimensions take their defaults.
    /// </summary>
    /// <exception cref="ArgumentException">A name that is not a numeric (or, in <paramref name="choices"/>, a choice) dimension of the space, or an unknown choice.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A value outside its dimension's bounds.</exception>
    public SearchSpace WithWarmStart(IReadOnlyDictionary<string, double> values, IReadOnlyDictionary<string, string>? choices = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        var point = DefaultPoint();
        foreach (var (name, choice) in choices ?? new Dictionary<string, string>())
        {
            var index = Array.FindIndex(_parameters, p => string.Equals(p.Name, name, StringComparison.Ordinal));
            if (index < 0 || _parameters[index].Kind != SearchParameterKind.Choice)
            {
                throw new ArgumentException($"Warm start names '{name}', which is not a choice dimension of this space.", nameof(choices));
            }

            var parameter = _parameters[index];
            if (!parameter.Choices.Contains(choice, StringComparer.Ordinal))
            {
                throw new ArgumentException(
                    $"Warm start choice '{choice}' of '{name}' is not one of {string.Join(", ", parameter.Choices)}.", nameof(choices));
            }

            point[index] = parameter.ToUnit(ParameterValue.FromChoice(choice));
        }

        foreach (var (name, value) in values)
        {
            var index = Array.FindIndex(_parameters, p => string.Equals(p.Name, name, StringComparison.Ordinal));
            if (index < 0 || _parameters[index].Kind == SearchParameterKind.Choice)
            {
                throw new ArgumentException($"Warm start names '{name}', which is not a numeric dimension of this space.", nameof(values));
            }

            var parameter = _parameters[index];
            if (!(value >= parameter.Minimum && value <= parameter.Maximum))
            {
                throw new ArgumentOutOfRangeException(nameof(values), value,
                    $"Warm start value of '{name}' must be in [{parameter.Minimum}, {parameter.Maximum}].");
            }

            point[index] = parameter.ToUnit(ParameterValue.FromNumber(value));
        }

        return new SearchSpace(_parameters) { _warmStart = [.. _warmStart, point] };
    }

    /// <summary>Typed values of a unit point; coordinates outside [0, 1] are clamped.</summary>
    public ParameterSet ToParameters(ReadOnlySpan<double> point)
    {
        if (point.Length != _parameters.Length)
        {
            throw new ArgumentException($"Point has {point.Length} coordinates; the space has {_parameters.Length}.", nameof(point));
        }

        var values = new KeyValuePair<string, ParameterValue>[_parameters.Length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = new(_parameters[i].Name, _parameters[i].FromUnit(point[i]));
        }

        return new ParameterSet(values);
    }

    /// <summary>The unit point of typed values (every dimension must be present).</summary>
    public double[] ToUnit(ParameterSet parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var point = new double[_parameters.Length];
        for (var i = 0; i < point.Length; i++)
        {
            point[i] = _parameters[i].ToUnit(parameters[_parameters[i].Name]);
        }

        return point;
    }
}
