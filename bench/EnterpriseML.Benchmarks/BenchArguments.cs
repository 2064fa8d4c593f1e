namespace EnterpriseML.Benchmarks;

/// <summary>The plain commands' <c>--name value</c> arguments.</summary>
internal static class BenchArguments
{
    /// <summary>The value after <paramref name="name"/>, or null when it is not given.</summary>
    public static string? Get(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
