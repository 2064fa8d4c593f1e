using System.ComponentModel.DataAnnotations;

namespace EnterpriseML.Registry;

/// <summary>The <c>Storage</c> section of appsettings.json.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>Where the embedded SQLite database lives. Default <c>./.enterpriseml</c>.</summary>
    [Required]
    public string DataDirectory { get; set; } = "./.enterpriseml";

    /// <summary>The largest dataset upload accepted, in bytes. Default 1 GiB.</summary>
    [Range(1, long.MaxValue)]
    public long MaxUploadBytes { get; set; } = 1L << 30;

    /// <summary>The most columns a dataset may have. Default 2,000.</summary>
    [Range(1, 100_000)]
    public int MaxColumns { get; set; } = 2000;
}

/// <summary>Which SQL dialect the registry speaks.</summary>
public enum SqlDialect
{
    Sqlite,
    Postgres,
}
