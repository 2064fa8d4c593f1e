namespace EnterpriseML.Benchmarks;

/// <summary>A plain (non-BenchmarkDotNet) measurement, run as `-- NAME args...`; one file per command.</summary>
internal interface IBenchCommand
{
    string Name { get; }

    int Run(string[] args);
}
