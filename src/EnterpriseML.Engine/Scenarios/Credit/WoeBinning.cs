using System.Buffers;
using EnterpriseML.Engine.Data;
using EnterpriseML.Engine.Models;

namespace EnterpriseML.Engine.Scenarios.Credit;

/// <summary>Options of <see cref="WoeBinner"/>. Validated once by <see cref="Validate"/>; the binner keeps its own copy.</summary>
public sealed class WoeBinningOptions
{
    /// <summary>Quantile pre-bins per numeric feature before merging. Default 20; range [2, 255].</summary>
    public int MaximumPreBinCount { get; set; } = 20;

    /// <summary>A final numeric bin holds at least this fraction of the non-missing rows. Default 0.05; range (0, 0.5].</summary>
    public double MinimumBinFraction { get; set; } = 0.05;

    /// <summary>Pseudo-count added to the good and the bad count of every bin (Laplace smoothing of WoE). Default 0.5; range (0, 100].</summary>
    public double Smoothing { get; set; } = 0.5;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (MaximumPreBinCount is < 2 or > 255)
        {
            throw new ArgumentOutOfRangeException(nameof(MaximumPreBinCount), MaximumPreBinCount, "Must be in [2, 255].");
        }

        if (!(MinimumBinFraction > 0 && MinimumBinFraction <= 0.5))
        {
            throw new ArgumentOutOfRangeException(nameof(MinimumBinFraction), MinimumBinFraction, "Must be in (0, 0.5].");
        }

        if (!(Smoothing > 0 && Smoothing <= 100))
        {
            throw new ArgumentOutOfRangeException(nameof(Smoothing), Smoothing, "Must be in (0, 100].");
        }
    }

    internal WoeBinningOptions Clone() => (WoeBinningOptions)MemberwiseClone();
}

/// <summary>
/// The weight-of-evidence binning of one feature: numeric bins by upper edges (bin i holds values ≤ edge i and above
/// edge i − 1; the last bin is open), or one bin per categorical code; plus a missing bin. WoE of a bin is
/// ln(share of goods / share of bads), goods being label 0 and bads label 1, so a higher WoE means lower risk.
/// Immutable.
/// </summary>
public sealed class WoeFeature
{
    private readonly float[] _upperEdges;
    private readonly double[] _woe;
    private string[] _levelNames = [];

    internal WoeFeature(string name, bool isCategorical, float[] upperEdges, double[] woe, double missingWoe, double informationValue, int riskTrend)
    {
        Name = name;
        IsCategorical = isCategorical;
        _upperEdges = upperEdges;
        _woe = woe;
        MissingWoe = missingWoe;
        InformationValue = informationValue;
        RiskTrend = riskTrend;
    }

    /// <summary>The feature's name (as the feature pipeline names it).</summary>
    public string Name { get; }

    /// <summary>True for a categorical feature (one bin per level code).</summary>
    public bool IsCategorical { get; }

    /// <summary>Numeric: the upper edges of all bins but the last (ascending). Empty for categorical features.</summary>
    public ReadOnlySpan<float> UpperEdges => _upperEdges;

    /// <summary>The WoE of each non-missing bin (0 for a bin no training row fell in, such as an unused "other" code).</summary>
    public ReadOnlySpan<double> Woe => _woe;

    /// <summary>The WoE of the missing bin (0 when training had no missing value).</summary>
    public double MissingWoe { get; }

    /// <summary>Information value Σ (good share − bad share) · WoE over the bins (Siddiqi 2006: &lt; 0.02 useless, &gt; 0.3 strong).</summary>
    public double InformationValue { get; }

    /// <summary>
    /// Numeric: +1 when the bad rate rises with the value (WoE falls), −1 when it falls, 0 when the binning has one bin
    /// or the feature is categorical.
    /// </summary>
    public int RiskTrend { get; }

    /// <summary>The number of non-missing bins.</summary>
    public int BinCount => _woe.Length;

    /// <summary>The bin of <paramref name="value"/>: −1 for missing (NaN), else [0, <see cref="BinCount"/>).</summary>
    public int Bin(float value)
    {
        if (float.IsNaN(value))
        {
            return -1;
        }

        if (IsCategorical)
        {
            var code = (int)value;
            return code >= 0 && code < _woe.Length ? code : _woe.Length - 1;
        }

        var lo = 0;
        var hi = _upperEdges.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (value <= _upperEdges[mid])
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return lo;
    }

    /// <summary>The WoE of <paramref name="value"/>'s bin.</summary>
    public double WoeOf(float value)
    {
        var bin = Bin(value);
        return bin < 0 ? MissingWoe : _woe[bin];
    }

    /// <summary>A short label of a bin, for reason codes: <c>(25, 33]</c>, <c>code 3</c>, <c>missing</c>.</summary>
    public string DescribeBin(int bin)
    {
        if (bin < 0)
        {
            return "missing";
        }

        if (IsCategorical)
        {
            return bin < _levelNames.Length && _levelNames[bin] is { Length: > 0 } level
                ? "= " + level
                : "code " + bin.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var ci = System.Globalization.CultureInfo.InvariantCulture;
        var lower = bin == 0 ? "-inf" : _upperEdges[bin - 1].ToString("G6", ci);
        var upper = bin == _upperEdges.Length ? "+inf" : _upperEdges[bin].ToString("G6", ci);
        return "(" + lower + ", " + upper + "]";
    }

    /// <summary>Categorical: the level name of each code (empty when unknown), for readable reason codes.</summary>
    public IReadOnlyList<string> LevelNames => _levelNames;

    /// <summary>A copy of this binning that names its categorical codes.</summary>
    internal WoeFeature WithLevelNames(string[] names) =>
        new(Name, IsCategorical, _upperEdges, _woe, MissingWoe, InformationValue, RiskTrend) { _levelNames = names };

    internal void Write(BinaryWriter writer)
    {
        writer.Write(Name);
        writer.Write(IsCategorical);
        writer.Write(_upperEdges.Length);
        foreach (var e in _upperEdges)
        {
            writer.Write(e);
        }

        writer.Write(_woe.Length);
        foreach (var w in _woe)
        {
            writer.Write(w);
        }

        writer.Write(MissingWoe);
        writer.Write(InformationValue);
        writer.Write(RiskTrend);
        writer.Write(_levelNames.Length);
        foreach (var level in _levelNames)
        {
            writer.Write(level);
        }
    }

    internal static WoeFeature Read(BinaryReader reader)
    {
        var name = reader.ReadString();
        var categorical = reader.ReadBoolean();
        var edges = new float[reader.ReadCount($"The bin edges of {PayloadReader.Quote(name)}", 4)];
        for (var i = 0; i < edges.Length; i++)
        {
            edges[i] = reader.ReadSingle();
        }

        var woe = new double[reader.ReadCount($"The WoE values of {PayloadReader.Quote(name)}", 8)];
        for (var i = 0; i < woe.Length; i++)
        {
            woe[i] = reader.ReadDouble();
        }

        // A value falls in one of edges + 1 bins (numeric) or is a code of a WoE bin, unknown codes the last (categorical).
        if (categorical ? edges.Length != 0 || woe.Length == 0 : woe.Length != edges.Length + 1)
        {
            throw new InvalidDataException($"The {(categorical ? "categorical" : "numeric")} binning of {PayloadReader.Quote(name)} has {edges.Length} edges and {woe.Length} WoE values.");
        }

        var feature = new WoeFeature(name, categorical, edges, woe, reader.ReadDouble(), reader.ReadDouble(), reader.ReadInt32());
        var levels = new string[reader.ReadCount($"The level names of {PayloadReader.Quote(name)}", 1)];
        for (var i = 0; i < levels.Length; i++)
        {
            levels[i] = reader.ReadString();
        }

        feature._levelNames = levels;
        return feature;
    }
}

/// <summary>
/// Supervised weight-of-evidence binning (Siddiqi, <i>Credit Risk Scorecards</i>, 2006; Thomas, Edelman &amp; Crook,
/// <i>Credit Scoring and Its Applications</i>, 2002). Numeric features: quantile pre-bins, then adjacent bins are
/// merged until the WoE is monotone (the direction, increasing or decreasing, that keeps the larger information value),
/// then bins smaller than <see cref="WoeBinningOptions.MinimumBinFraction"/> are merged into the neighbour with the
/// closer WoE. Categorical features (level codes): one WoE per code. Missing values get their own bin. Counts are
/// smoothed by <see cref="WoeBinningOptions.Smoothing"/>. Deterministic (no randomness).
/// </summary>
public static class WoeBinner
{
    /// <summary>Bins every dense feature of <paramref name="features"/> against binary <paramref name="labels"/> (1 = bad).</summary>
    public static WoeFeature[] Fit(FeatureMatrix features, ReadOnlySpan<float> labels, WoeBinningOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (labels.Length != features.RowCount)
        {
            throw new ArgumentException($"{labels.Length} labels for {features.RowCount} rows.", nameof(labels));
        }

        var o = options.Clone();
        var result = new WoeFeature[features.DenseColumnCount];
        var n = features.RowCount;
        var keys = ArrayPool<float>.Shared.Rent(n);
        var items = ArrayPool<float>.Shared.Rent(n);
        try
        {
            for (var f = 0; f < result.Length; f++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var info = features.Features[f];
                var column = features.DenseColumn(f);
                result[f] = info.IsCategorical
                    ? FitCategorical(info.Name, column, labels, Math.Max(info.Cardinality, 1), o)
                    : FitNumeric(info.Name, column, labels, keys, items, o);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(keys);
            ArrayPool<float>.Shared.Return(items);
        }

        return result;
    }

    /// <summary>Bins one numeric column (NaN = missing).</summary>
    public static WoeFeature FitNumeric(string name, ReadOnlySpan<float> values, ReadOnlySpan<float> labels, WoeBinningOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var keys = new float[values.Length];
        var items = new float[values.Length];
        return FitNumeric(name, values, labels, keys, items, options.Clone());
    }

    private static WoeFeature FitCategorical(string name, ReadOnlySpan<float> codes, ReadOnlySpan<float> labels, int cardinality, WoeBinningOptions o)
    {
        var goods = new double[cardinality];
        var bads = new double[cardinality];
        double missingGood = 0, missingBad = 0;
        for (var i = 0; i < codes.Length; i++)
        {
            var v = codes[i];
            var bad = labels[i] > 0.5f;
            if (float.IsNaN(v))
            {
                if (bad) { missingBad++; } else { missingGood++; }
                continue;
            }

            var c = Math.Clamp((int)v, 0, cardinality - 1);
            if (bad) { bads[c]++; } else { goods[c]++; }
        }

        var (woe, missingWoe, iv) = Evidence(goods, bads, missingGood, missingBad, o.Smoothing);
        return new WoeFeature(name, true, [], woe, missingWoe, iv, 0);
    }

    private static WoeFeature FitNumeric(string name, ReadOnlySpan<float> values, ReadOnlySpan<float> labels, float[] keys, float[] items, WoeBinningOptions o)
    {
        var m = 0;
        double missingGood = 0, missingBad = 0;
        for (var i = 0; i < values.Length; i++)
        {
            if (float.IsNaN(values[i]))
            {
                if (labels[i] > 0.5f) { missingBad++; } else { missingGood++; }
                continue;
            }

            keys[m] = values[i];
            items[m] = labels[i];
            m++;
        }

        if (m == 0)
        {
            var (w0, mw0, iv0) = Evidence([0], [0], missingGood, missingBad, o.Smoothing);
            return new WoeFeature(name, false, [], w0, mw0, iv0, 0);
        }

        Array.Sort(keys, items, 0, m);

        // Quantile pre-bins on distinct values: bin ends at the last row of each value run that crosses a quantile.
        var edges = new List<float>();
        var goods = new List<double>();
        var bads = new List<double>();
        double g = 0, b = 0;
        var nextCut = 1;
        for (var i = 0; i < m; i++)
        {
            if (items[i] > 0.5f) { b++; } else { g++; }
            var endOfRun = i == m - 1 || keys[i + 1] != keys[i];
            if (endOfRun && (i + 1) * (long)o.MaximumPreBinCount >= nextCut * (long)m)
            {
                edges.Add(keys[i]);
                goods.Add(g);
                bads.Add(b);
                g = 0;
                b = 0;
                while ((i + 1) * (long)o.MaximumPreBinCount >= nextCut * (long)m)
                {
                    nextCut++;
                }
            }
        }

        var up = MergeMonotone(edges, goods, bads, +1, m, o);
        var down = MergeMonotone(edges, goods, bads, -1, m, o);
        var (upWoe, upMissing, upIv) = Evidence([.. up.Goods], [.. up.Bads], missingGood, missingBad, o.Smoothing);
        var (downWoe, downMissing, downIv) = Evidence([.. down.Goods], [.. down.Bads], missingGood, missingBad, o.Smoothing);
        var pickUp = upIv >= downIv;
        var chosen = pickUp ? up : down;
        var woe = pickUp ? upWoe : downWoe;
        // WoE increasing with the value means the bad rate falls: risk trend −1.
        var trend = woe.Length < 2 ? 0 : (woe[^1] > woe[0] ? -1 : woe[^1] < woe[0] ? 1 : 0);
        var upper = chosen.Edges.GetRange(0, chosen.Edges.Count - 1).ToArray();
        return new WoeFeature(name, false, upper, woe, pickUp ? upMissing : downMissing, pickUp ? upIv : downIv, trend);
    }

    private sealed record Bins(List<float> Edges, List<double> Goods, List<double> Bads);

    /// <summary>Merges adjacent bins until the good/bad log-ratio is monotone in <paramref name="direction"/>, then merges small bins.</summary>
    private static Bins MergeMonotone(List<float> edges, List<double> goods, List<double> bads, int direction, int total, WoeBinningOptions o)
    {
        var e = new List<float>(edges);
        var g = new List<double>(goods);
        var b = new List<double>(bads);
        var s = o.Smoothing;
        bool merged;
        do
        {
            merged = false;
            for (var i = 0; i + 1 < e.Count; i++)
            {
                var left = Math.Log((g[i] + s) / (b[i] + s));
                var right = Math.Log((g[i + 1] + s) / (b[i + 1] + s));
                if (direction * (right - left) < 0)
                {
                    Merge(e, g, b, i);
                    merged = true;
                    break;
                }
            }
        }
        while (merged);

        var minimum = o.MinimumBinFraction * total;
        while (e.Count > 1)
        {
            var smallest = -1;
            var smallestCount = double.MaxValue;
            for (var i = 0; i < e.Count; i++)
            {
                var count = g[i] + b[i];
                if (count < minimum && count < smallestCount)
                {
                    smallest = i;
                    smallestCount = count;
                }
            }

            if (smallest < 0)
            {
                break;
            }

            int into;
            if (smallest == 0)
            {
                into = 0;
            }
            else if (smallest == e.Count - 1)
            {
                into = smallest - 1;
            }
            else
            {
                var here = Math.Log((g[smallest] + s) / (b[smallest] + s));
                var before = Math.Log((g[smallest - 1] + s) / (b[smallest - 1] + s));
                var after = Math.Log((g[smallest + 1] + s) / (b[smallest + 1] + s));
                into = Math.Abs(here - before) <= Math.Abs(after - here) ? smallest - 1 : smallest;
            }

            Merge(e, g, b, into);
        }

        return new Bins(e, g, b);
    }

    private static void Merge(List<float> e, List<double> g, List<double> b, int i)
    {
        g[i] += g[i + 1];
        b[i] += b[i + 1];
        e[i] = e[i + 1];
        e.RemoveAt(i + 1);
        g.RemoveAt(i + 1);
        b.RemoveAt(i + 1);
    }

    private static (double[] Woe, double MissingWoe, double Iv) Evidence(double[] goods, double[] bads, double missingGood, double missingBad, double s)
    {
        var hasMissing = missingGood + missingBad > 0;
        var bins = goods.Length + (hasMissing ? 1 : 0);
        double goodTotal = missingGood, badTotal = missingBad;
        for (var i = 0; i < goods.Length; i++)
        {
            goodTotal += goods[i];
            badTotal += bads[i];
        }

        var gDen = goodTotal + (s * bins);
        var bDen = badTotal + (s * bins);
        var woe = new double[goods.Length];
        double iv = 0;
        for (var i = 0; i < goods.Length; i++)
        {
            if (goods[i] + bads[i] == 0)
            {
                // No training row (a categorical feature's "other" code when every level was kept, where unseen levels
                // go): no evidence either way, as for a missing value when training had none. Smoothing alone would
                // give ln(bads / goods), riskier than most seen levels (-0.84 on German credit).
                continue;
            }

            var pg = (goods[i] + s) / gDen;
            var pb = (bads[i] + s) / bDen;
            woe[i] = Math.Log(pg / pb);
            iv += (pg - pb) * woe[i];
        }

        var missingWoe = 0.0;
        if (hasMissing)
        {
            var pg = (missingGood + s) / gDen;
            var pb = (missingBad + s) / bDen;
            missingWoe = Math.Log(pg / pb);
            iv += (pg - pb) * missingWoe;
        }

        return (woe, missingWoe, iv);
    }
}
