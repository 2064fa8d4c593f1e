namespace EnterpriseML.Engine.Recommendation;

/// <summary>Which of a user's interactions a per-user split holds out.</summary>
public enum HoldoutOrder
{
    /// <summary>The most recent ones by timestamp (ties broken by row order), so evaluation mimics serving.</summary>
    Latest,

    /// <summary>A seeded random subset.</summary>
    Random,
}

/// <summary>Train/test splits of an <see cref="InteractionSet"/>; both parts share the id indices.</summary>
public static class InteractionSplitter
{
    /// <summary>
    /// A global random split of the rows: <paramref name="testFraction"/> of them (rounded up) go to the test part,
    /// chosen by a seeded Fisher–Yates shuffle. Users or items that end up only in the test part are cold.
    /// </summary>
    public static (InteractionSet Train, InteractionSet Test) RandomSplit(InteractionSet data, double testFraction, int seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        ValidateFraction(testFraction);
        var order = new int[data.Count];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        var random = new Random(seed);
        random.Shuffle(order);
        var testCount = (int)Math.Ceiling(testFraction * data.Count);
        var test = order.AsSpan(0, testCount).ToArray();
        var train = order.AsSpan(testCount).ToArray();
        Array.Sort(test);
        Array.Sort(train);
        return (data.Select(train), data.Select(test));
    }

    /// <summary>
    /// A per-user split: for each user with <c>n ≥ 2</c> interactions, <c>round(testFraction · n)</c> of them, clamped
    /// to [1, n − 1], go to the test part; users with a single interaction stay entirely in training. With
    /// <see cref="HoldoutOrder.Latest"/> the held-out rows are the user's most recent (the set needs timestamps).
    /// </summary>
    /// <exception cref="InvalidOperationException"><see cref="HoldoutOrder.Latest"/> without timestamps.</exception>
    public static (InteractionSet Train, InteractionSet Test) PerUserSplit(InteractionSet data, double testFraction, HoldoutOrder order, int seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        ValidateFraction(testFraction);
        if (order == HoldoutOrder.Latest && !data.HasTimestamps)
        {
            throw new InvalidOperationException("A latest-interactions holdout needs a timestamp column.");
        }

        // Group rows by user (counting sort keeps row order inside a user).
        var userCount = data.Users.Count;
        var pointers = new int[userCount + 1];
        var users = data.UserIndices;
        foreach (var u in users)
        {
            pointers[u + 1]++;
        }

        for (var u = 0; u < userCount; u++)
        {
            pointers[u + 1] += pointers[u];
        }

        var next = pointers.AsSpan(0, userCount).ToArray();
        var rows = new int[data.Count];
        for (var i = 0; i < users.Length; i++)
        {
            rows[next[users[i]]++] = i;
        }

        var isTest = new bool[data.Count];
        var random = new Random(seed);
        var timestamps = data.Timestamps;
        var keys = new long[0];
        for (var u = 0; u < userCount; u++)
        {
            var n = pointers[u + 1] - pointers[u];
            if (n < 2)
            {
                continue;
            }

            var holdout = Math.Clamp((int)Math.Round(testFraction * n, MidpointRounding.AwayFromZero), 1, n - 1);
            var userRows = rows.AsSpan(pointers[u], n);
            if (order == HoldoutOrder.Latest)
            {
                if (keys.Length < n)
                {
                    keys = new long[n];
                }

                for (var i = 0; i < n; i++)
                {
                    keys[i] = timestamps[userRows[i]];
                }

                // Stable: equal timestamps keep row order, so the later row counts as more recent.
                SortByKeyStable(keys.AsSpan(0, n), userRows);
                for (var i = n - holdout; i < n; i++)
                {
                    isTest[userRows[i]] = true;
                }
            }
            else
            {
                random.Shuffle(userRows);
                for (var i = 0; i < holdout; i++)
                {
                    isTest[userRows[i]] = true;
                }
            }
        }

        var trainRows = new List<int>(data.Count);
        var testRows = new List<int>(data.Count / 4);
        for (var i = 0; i < isTest.Length; i++)
        {
            (isTest[i] ? testRows : trainRows).Add(i);
        }

        return (data.Select(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(trainRows)),
            data.Select(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(testRows)));
    }

    private static void SortByKeyStable(Span<long> keys, Span<int> rows)
    {
        for (var i = 1; i < keys.Length; i++)
        {
            var k = keys[i];
            var r = rows[i];
            var j = i - 1;
            while (j >= 0 && (keys[j] > k || (keys[j] == k && rows[j] > r)))
            {
                keys[j + 1] = keys[j];
                rows[j + 1] = rows[j];
                j--;
            }

            keys[j + 1] = k;
            rows[j + 1] = r;
        }
    }

    private static void ValidateFraction(double testFraction)
    {
        if (!(testFraction > 0 && testFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "Must be in (0, 1).");
        }
    }
}
