namespace EnterpriseML.Engine.Data;

/// <summary>The logical type of a tabular column, inferred from its values or set by the user.</summary>
public enum ColumnType
{
    /// <summary>Real numbers; stored as <see cref="float"/>, missing as <see cref="float.NaN"/>.</summary>
    Numeric,

    /// <summary>Two-valued (true/false, yes/no, 0/1); stored as 0/1 floats, missing as NaN.</summary>
    Boolean,

    /// <summary>A small set of repeated string levels.</summary>
    Categorical,

    /// <summary>Long free text, featurised with n-grams.</summary>
    Text,

    /// <summary>Dates or timestamps; stored as ticks.</summary>
    DateTime,
}
