using EnterpriseML.Engine.Data;

namespace EnterpriseML.Jobs;

/// <summary>How the jobs read a stored dataset's file again.</summary>
internal static class StoredDatasetCsv
{
    /// <summary>
    /// Reader options for a stored dataset: named after it, so a note or error about its rows names it with their
    /// lines, and not limited again. The file met <c>Storage:MaxColumns</c> and <c>Storage:MaxUploadBytes</c> when it
    /// was uploaded; the reader's own default of 2,000 columns had refused, at the job, a wider dataset that the
    /// service was configured to take.
    /// </summary>
    public static CsvOptions Options(string name, IReadOnlyDictionary<string, ColumnType>? types = null, bool ignoreUnknownTypes = false) => new()
    {
        SourceName = name,
        ColumnTypes = types,
        IgnoreUnknownColumnTypes = ignoreUnknownTypes,
        MaxColumns = CsvOptions.MaximumMaxColumns,
        MaxBytes = long.MaxValue,
    };
}
