namespace EnterpriseML.Engine.Models;

/// <summary>
/// Names read from a model file, quoted for a message outside the engine (a warning of <c>eml recommend</c> listing
/// the segments a model has): the same cut as every payload reader makes, so that an edited or damaged file holding
/// names of megabytes still makes a message of a line.
/// </summary>
public static class ModelNames
{
    /// <summary>The most characters of a name that <see cref="Quote"/> keeps: 64.</summary>
    public const int QuotedLength = PayloadReader.QuotedNameLength;

    /// <summary>
    /// <paramref name="name"/> in single quotes: whole up to <see cref="QuotedLength"/> characters, else cut there with
    /// an ellipsis and its full length (<c>'abc…' (1,048,576 characters)</c>).
    /// </summary>
    public static string Quote(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return PayloadReader.Quote(name);
    }
}
