namespace EnterpriseML.Engine.Models;

/// <summary>
/// Bounded reads for model payload readers. A payload that passes its SHA-256 may still have been edited, so every
/// count, length and index a reader takes from it is checked before anything is allocated or indexed with it: a count
/// must fit in the bytes that remain (each entry takes at least <c>bytesPerEntry</c> of them) and under its own
/// bound, an index must be inside what it indexes. A failed check is an <see cref="InvalidDataException"/> saying what
/// was read and what was expected; the loaders report it as a <see cref="ModelFormatException"/> naming the file.
/// </summary>
internal static class PayloadReader
{
    /// <summary>The bytes of the payload not read yet.</summary>
    public static long Remaining(this BinaryReader reader) => reader.BaseStream.Length - reader.BaseStream.Position;

    /// <summary>
    /// Reads a 32-bit count of <paramref name="what"/>: at most <paramref name="maximum"/>, and no more entries than
    /// the rest of the payload can hold at <paramref name="bytesPerEntry"/> bytes each.
    /// </summary>
    public static int ReadCount(this BinaryReader reader, string what, int bytesPerEntry, int maximum = int.MaxValue) =>
        reader.CheckCount(reader.ReadInt32(), what, bytesPerEntry, maximum);

    /// <summary>Checks a count the reader derived (for example a product of two counts) as <see cref="ReadCount"/> does.</summary>
    public static int CheckCount(this BinaryReader reader, long count, string what, int bytesPerEntry, int maximum = int.MaxValue)
    {
        if (count < 0 || count > maximum)
        {
            throw new InvalidDataException($"{what}: {count} is not a count from 0 to {maximum}.");
        }

        var remaining = reader.Remaining();
        if (count * bytesPerEntry > remaining)
        {
            throw new InvalidDataException($"{what}: {count} entries of {bytesPerEntry} or more bytes, but only {remaining} bytes of the payload remain.");
        }

        return (int)count;
    }

    /// <summary>Reads a 32-bit index into something of <paramref name="count"/> entries.</summary>
    public static int ReadIndex(this BinaryReader reader, string what, int count)
    {
        var index = reader.ReadInt32();
        return (uint)index < (uint)count ? index : throw new InvalidDataException($"{what} is {index}, outside its {count} entries.");
    }

    /// <summary>Reads an enum stored as one byte; a value the enum does not define is rejected.</summary>
    public static T ReadByteEnum<T>(this BinaryReader reader, string what)
        where T : struct, Enum
    {
        var value = reader.ReadByte();
        var result = (T)Enum.ToObject(typeof(T), value);
        return Enum.IsDefined(result) ? result : throw new InvalidDataException($"{what} {value} is not one of {string.Join(", ", Enum.GetNames<T>())}.");
    }

    /// <summary>The most characters of a name read from a payload that an error message quotes.</summary>
    public const int QuotedNameLength = 64;

    /// <summary>
    /// <paramref name="name"/>, read from a payload, in single quotes for an error message: whole up to
    /// <see cref="QuotedNameLength"/> characters, else cut there with an ellipsis and its full length
    /// (<c>'abc…' (1,048,576 characters)</c>), so that a damaged or forged name cannot make a message of megabytes.
    /// Every reader quotes the names it read (columns, formats, kinds, segments) through this.
    /// </summary>
    public static string Quote(string name)
    {
        if (name.Length <= QuotedNameLength)
        {
            return $"'{name}'";
        }

        // Not between the two halves of a surrogate pair.
        var cut = char.IsHighSurrogate(name[QuotedNameLength - 1]) ? QuotedNameLength - 1 : QuotedNameLength;
        return $"'{name.AsSpan(0, cut)}…' ({name.Length:N0} characters)";
    }

    /// <summary>
    /// True for what a payload reader throws on bytes it cannot read: the payload ending early, a check above failing,
    /// a string length that is negative (<see cref="IOException"/>) or not a 7-bit encoded integer
    /// (<see cref="FormatException"/>). Loaders turn these into a <see cref="ModelFormatException"/>.
    /// </summary>
    public static bool IsPayloadError(Exception e) => e is IOException or InvalidDataException or FormatException;
}
