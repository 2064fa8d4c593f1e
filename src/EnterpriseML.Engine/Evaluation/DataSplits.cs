namespace EnterpriseML.Engine.Evaluation;

/// <summary>
/// Seeded, reproducible row splits for holdout and cross-validation. Every result lists row indices in ascending
/// order; the same arguments always give the same split.
/// </summary>
public static class DataSplits
{
    /// <summary>
    /// Splits rows 0..<paramref name="rowCount"/>−1 into train and test. The test set has
    /// ⌈<paramref name="testFraction"/> · rowCount⌉ rows (as scikit-learn's <c>train_test_split</c>); with
    /// <paramref name="stratifyBy"/>, each class contributes in proportion to its size (largest remainders decide the
    /// rounding, ties to the smaller class value), so class shares match in both parts; then, as far as the test size
    /// allows, every class keeps a training row and every class of two or more rows gets a test row.
    /// </summary>
    /// <param name="rowCount">The number of rows. Valid: at least 2.</param>
    /// <param name="testFraction">The share of rows to hold out. Valid: (0, 1), leaving at least one row on each side.</param>
    /// <param name="seed">The random seed.</param>
    /// <param name="stratifyBy">Class values per row (length <paramref name="rowCount"/>, no NaN), or empty for a plain shuffle.</param>
    public static (int[] Train, int[] Test) TrainTest(int rowCount, double testFraction, int seed, ReadOnlySpan<float> stratifyBy = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rowCount, 2);
        if (!(testFraction is > 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "Must be in (0, 1).");
        }

        var testCount = (int)Math.Ceiling(testFraction * rowCount);
        if (testCount >= rowCount)
        {
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, $"Leaves no training row out of {rowCount}.");
        }

        var random = new Random(seed);
        var isTest = new bool[rowCount];
        if (stratifyBy.IsEmpty)
        {
            var order = Shuffled(rowCount, random);
            for (var i = 0; i < testCount; i++)
            {
                isTest[order[i]] = true;
            }
        }
        else
        {
            var classes = GroupByClass(stratifyBy, rowCount, nameof(stratifyBy));
            var quotas = new int[classes.Length];
            var remainders = new double[classes.Length];
            var assigned = 0;
            for (var c = 0; c < classes.Length; c++)
            {
                var exact = (double)testCount * classes[c].Length / rowCount;
                quotas[c] = (int)Math.Floor(exact);
                remainders[c] = exact - quotas[c];
                assigned += quotas[c];
            }

            for (; assigned < testCount; assigned++)
            {
                var best = -1;
                for (var c = 0; c < classes.Length; c++)
                {
                    if (quotas[c] < classes[c].Length && (best < 0 || remainders[c] > remainders[best]))
                    {
                        best = c;
                    }
                }

                quotas[best]++;
                remainders[best] = double.NegativeInfinity;
            }

            KeepEveryClassOnBothSides(classes, quotas);

            for (var c = 0; c < classes.Length; c++)
            {
                Shuffle(classes[c], random);
                for (var i = 0; i < quotas[c]; i++)
                {
                    isTest[classes[c][i]] = true;
                }
            }
        }

        var train = new int[rowCount - testCount];
        var test = new int[testCount];
        int trainAt = 0, testAt = 0;
        for (var i = 0; i < rowCount; i++)
        {
            if (isTest[i])
            {
                test[testAt++] = i;
            }
            else
            {
                train[trainAt++] = i;
            }
        }

        return (train, test);
    }

    /// <summary>
    /// Shuffles rows 0..<paramref name="rowCount"/>−1 and cuts them into <paramref name="folds"/> parts whose sizes
    /// differ by at most one. Returns the test indices of each fold; a fold's training rows are all the others.
    /// </summary>
    /// <param name="rowCount">The number of rows. Valid: at least <paramref name="folds"/>.</param>
    /// <param name="folds">The number of folds. Valid: 2 to <paramref name="rowCount"/>.</param>
    /// <param name="seed">The random seed.</param>
    public static int[][] KFold(int rowCount, int folds, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(folds, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(rowCount, folds);
        var order = Shuffled(rowCount, new Random(seed));
        var result = new int[folds][];
        var offset = 0;
        for (var f = 0; f < folds; f++)
        {
            var size = (rowCount / folds) + (f < rowCount % folds ? 1 : 0);
            result[f] = order.AsSpan(offset, size).ToArray();
            Array.Sort(result[f]);
            offset += size;
        }

        return result;
    }

    /// <summary>
    /// K folds that keep each class's share: each class's rows are shuffled and dealt to the folds in turn, the turn
    /// carrying over from one class to the next, so fold sizes differ by at most one and each class's count per fold
    /// by at most one. Returns the test indices of each fold.
    /// </summary>
    /// <param name="labels">The class value of each row (no NaN).</param>
    /// <param name="folds">The number of folds. Valid: 2 to the number of rows.</param>
    /// <param name="seed">The random seed.</param>
    public static int[][] StratifiedKFold(ReadOnlySpan<float> labels, int folds, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(folds, 2);
        if (labels.Length < folds)
        {
            throw new ArgumentException($"{labels.Length} rows cannot make {folds} folds.", nameof(labels));
        }

        var random = new Random(seed);
        var classes = GroupByClass(labels, labels.Length, nameof(labels));
        var members = new List<int>[folds];
        for (var f = 0; f < folds; f++)
        {
            members[f] = new List<int>((labels.Length / folds) + 1);
        }

        var turn = 0;
        foreach (var rows in classes)
        {
            Shuffle(rows, random);
            foreach (var row in rows)
            {
                members[turn].Add(row);
                turn = (turn + 1) % folds;
            }
        }

        var result = new int[folds][];
        for (var f = 0; f < folds; f++)
        {
            result[f] = [.. members[f]];
            Array.Sort(result[f]);
        }

        return result;
    }

    /// <summary>
    /// Moves test quota between classes so that no class is held out whole (a classifier needs rows of every class to
    /// train on) and every class of two or more rows has a test row (or the metrics that rank by it, AUC and KS, are
    /// undefined): proportional rounding gives a class of 2 rows among 52 no test row at 20 %. A quota is taken from
    /// the class with the most test rows (it keeps at least one), given to the class with the most training rows
    /// (it keeps at least one); ties go to the smaller class value. The test size does not change.
    /// </summary>
    private static void KeepEveryClassOnBothSides(int[][] classes, int[] quotas)
    {
        for (var c = 0; c < classes.Length; c++)
        {
            if (quotas[c] == classes[c].Length && quotas[c] > 0)
            {
                var to = -1;
                for (var d = 0; d < classes.Length; d++)
                {
                    if (classes[d].Length - quotas[d] >= 2 && (to < 0 || classes[d].Length - quotas[d] > classes[to].Length - quotas[to]))
                    {
                        to = d;
                    }
                }

                if (to >= 0)
                {
                    quotas[c]--;
                    quotas[to]++;
                }
            }
        }

        for (var c = 0; c < classes.Length; c++)
        {
            if (quotas[c] == 0 && classes[c].Length >= 2)
            {
                var from = -1;
                for (var d = 0; d < classes.Length; d++)
                {
                    if (quotas[d] >= 2 && (from < 0 || quotas[d] > quotas[from]))
                    {
                        from = d;
                    }
                }

                if (from >= 0)
                {
                    quotas[from]--;
                    quotas[c]++;
                }
            }
        }
    }

    /// <summary>The row indices of each distinct class value, classes in ascending value order, rows ascending.</summary>
    private static int[][] GroupByClass(ReadOnlySpan<float> values, int rowCount, string parameterName)
    {
        if (values.Length != rowCount)
        {
            throw new ArgumentException($"{values.Length} class values for {rowCount} rows.", parameterName);
        }

        // Sorting (value, row) pairs groups the classes with rows ascending inside each.
        var keys = new (float Value, int Row)[rowCount];
        for (var i = 0; i < rowCount; i++)
        {
            if (float.IsNaN(values[i]))
            {
                throw new ArgumentException($"Class value {i} is NaN; every row needs a class.", parameterName);
            }

            keys[i] = (values[i], i);
        }

        Array.Sort(keys);
        var groups = new List<int[]>();
        for (var start = 0; start < rowCount;)
        {
            var end = start;
            while (end < rowCount && keys[end].Value == keys[start].Value)
            {
                end++;
            }

            var group = new int[end - start];
            for (var i = start; i < end; i++)
            {
                group[i - start] = keys[i].Row;
            }

            groups.Add(group);
            start = end;
        }

        return [.. groups];
    }

    private static int[] Shuffled(int count, Random random)
    {
        var order = new int[count];
        for (var i = 0; i < count; i++)
        {
            order[i] = i;
        }

        Shuffle(order, random);
        return order;
    }

    /// <summary>Fisher–Yates shuffle.</summary>
    private static void Shuffle(int[] items, Random random)
    {
        for (var i = items.Length - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
