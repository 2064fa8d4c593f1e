/// <summary>Shared by every test project (linked, not copied). Locates the repository root and the shared real datasets (../shared/datasets beside the repo).</summary>
internal static class TestPaths
{
    private static readonly Lazy<string> Root = new(FindRoot);

    public static string RepositoryRoot => Root.Value;

    public static string DatasetsDirectory => Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "datasets"));

    /// <summary>The full path of a shared dataset; fails loudly when it is absent (never skips).</summary>
    public static string Dataset(string fileName)
    {
        var path = Path.Combine(DatasetsDirectory, fileName);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Shared dataset '{fileName}' not found under {DatasetsDirectory}.", path);
        }

        return path;
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "EnterpriseML.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("EnterpriseML.sln not found above " + AppContext.BaseDirectory);
    }
}
