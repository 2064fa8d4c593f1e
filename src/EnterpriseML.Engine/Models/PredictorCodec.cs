using System.Reflection;
using EnterpriseML.Engine.Trainers;

namespace EnterpriseML.Engine.Models;

/// <summary>
/// Writes and reads <see cref="IPersistablePredictor"/> payloads by format id. Every predictor type in the engine
/// that has a <c>public const string Format</c> and a <c>public static T Read(BinaryReader)</c> is registered
/// automatically, so a new trainer family needs no edit here.
/// </summary>
public static class PredictorCodec
{
    private static readonly Lazy<Dictionary<string, Func<BinaryReader, IPredictor>>> Readers = new(Discover);

    /// <summary>The registered format ids.</summary>
    public static IReadOnlyCollection<string> Formats => Readers.Value.Keys;

    public static void Write(BinaryWriter writer, IPredictor predictor)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (predictor is not IPersistablePredictor persistable)
        {
            throw new NotSupportedException($"{predictor.GetType().Name} cannot be saved: it does not implement IPersistablePredictor.");
        }

        writer.Write(persistable.FormatId);
        persistable.Write(writer);
    }

    public static IPredictor Read(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var format = reader.ReadString();
        if (!Readers.Value.TryGetValue(format, out var read))
        {
            throw new ModelFormatException(
                $"Unknown predictor format {PayloadReader.Quote(format)}. This engine reads: {string.Join(", ", Readers.Value.Keys.Order(StringComparer.Ordinal))}.");
        }

        return read(reader);
    }

    private static Dictionary<string, Func<BinaryReader, IPredictor>> Discover()
    {
        var readers = new Dictionary<string, Func<BinaryReader, IPredictor>>(StringComparer.Ordinal);
        foreach (var type in typeof(PredictorCodec).Assembly.GetTypes())
        {
            if (type.IsAbstract || !typeof(IPersistablePredictor).IsAssignableFrom(type))
            {
                continue;
            }

            var format = type.GetField("Format", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() as string;
            var read = type.GetMethod("Read", BindingFlags.Public | BindingFlags.Static, [typeof(BinaryReader)]);
            if (format is null || read is null)
            {
                continue;
            }

            readers[format] = reader =>
            {
                try
                {
                    return (IPredictor)read.Invoke(null, [reader])!;
                }
                catch (TargetInvocationException e) when (e.InnerException is not null)
                {
                    // Surface the reader's own exception (end of stream, invalid data) rather than reflection's wrapper.
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
                    throw;
                }
            };
        }

        return readers;
    }
}
