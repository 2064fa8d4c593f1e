using System.Buffers.Binary;
using System.Reflection;
using System.Security.Cryptography;

namespace EnterpriseML.Engine.Models;

/// <summary>
/// The one on-disk container for every fitted model (tabular pipelines, recommenders, scorecards). Layout, all
/// little-endian: magic <c>EMLM</c>, container version (int32), model kind (length-prefixed UTF-8), engine version
/// (length-prefixed UTF-8), payload length (int64), payload bytes, SHA-256 (32 bytes). In container version 2 the
/// SHA-256 is of the header from the magic to the engine version followed by the payload; in version 1, which engines
/// before it wrote, of the payload alone. Reading verifies every part and rejects corrupt, truncated or incompatible
/// files with a <see cref="ModelFormatException"/>.
/// </summary>
public static class ModelFile
{
    /// <summary>The container version this engine writes; it reads this one and every earlier one.</summary>
    public const int ContainerVersion = 2;

    /// <summary>The first container version: its checksum covers the payload only.</summary>
    private const int PayloadOnlyChecksumVersion = 1;

    /// <summary>The longest model kind or engine version a header holds.</summary>
    private const int MaximumHeaderText = 128;

    private static ReadOnlySpan<byte> Magic => "EMLM"u8;

    /// <summary>The engine's informational version, recorded in every model file and in lineage.</summary>
    public static string EngineVersion { get; } =
        typeof(ModelFile).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0]
        ?? typeof(ModelFile).Assembly.GetName().Version?.ToString() ?? "0.0.0";

    /// <summary>
    /// Writes a model of <paramref name="kind"/> whose payload is produced by <paramref name="writePayload"/>. A
    /// seekable stream (a file, a memory stream) gets the payload as it is produced, hashed on the way, and the length
    /// filled in afterwards; only a stream that cannot seek has the payload buffered first. The bytes are the same
    /// either way: buffering a 286 MB forest ensemble had cost its size and a doubling copy in memory.
    /// </summary>
    public static void Write(Stream stream, string kind, Action<BinaryWriter> writePayload)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentException.ThrowIfNullOrEmpty(kind);
        ArgumentNullException.ThrowIfNull(writePayload);
        if (kind.Length > MaximumHeaderText || kind.Any(c => c is < ' ' or > '~'))
        {
            throw new ArgumentException($"A model kind is 1 to {MaximumHeaderText} printable ASCII characters; got '{kind}'.", nameof(kind));
        }

        if (!stream.CanSeek)
        {
            WriteBuffered(stream, kind, writePayload);
            return;
        }

        using var header = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        var headerBytes = Header(ContainerVersion, kind, EngineVersion);
        header.Write(headerBytes);
        var lengthAt = stream.Position;
        header.Write(0L);
        header.Flush();
        var start = stream.Position;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(headerBytes);
        using (var hashing = new WriteThroughStream(stream, hash.AppendData))
        using (var buffered = new BufferedStream(hashing, 1 << 20))
        using (var writer = new BinaryWriter(buffered, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writePayload(writer);
            writer.Flush();
            buffered.Flush();
        }

        var length = stream.Position - start;
        if (length > int.MaxValue)
        {
            throw new InvalidOperationException($"The model's payload is {length:N0} bytes; a model file holds at most {int.MaxValue:N0}.");
        }

        stream.Position = lengthAt;
        header.Write(length);
        header.Flush();
        stream.Position = start + length;
        header.Write(hash.GetHashAndReset());
        header.Flush();
    }

    private static void WriteBuffered(Stream stream, string kind, Action<BinaryWriter> writePayload)
    {
        using var payload = new MemoryStream();
        using (var writer = new BinaryWriter(payload, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writePayload(writer);
        }

        var bytes = payload.GetBuffer().AsSpan(0, (int)payload.Length);
        var headerBytes = Header(ContainerVersion, kind, EngineVersion);
        using var header = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        header.Write(headerBytes);
        header.Write((long)bytes.Length);
        header.Write(bytes);
        header.Write(Checksum(ContainerVersion, headerBytes, bytes));
        header.Flush();
    }

    /// <summary>The header's bytes from the magic to the engine version, as a writer of <paramref name="version"/> lays them out.</summary>
    private static byte[] Header(int version, string kind, string engineVersion)
    {
        using var buffer = new MemoryStream();
        using (var header = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            header.Write(Magic);
            header.Write(version);
            header.Write(kind);
            header.Write(engineVersion);
        }

        return buffer.ToArray();
    }

    /// <summary>
    /// The SHA-256 a file of container <paramref name="version"/> ends with: of the header then the payload (version 2),
    /// or of the payload alone (version 1, so that files from earlier engines still verify). The payload length is left
    /// out, as a writer streaming the payload learns it last; a changed length shows as truncation or a mismatch anyway.
    /// </summary>
    private static byte[] Checksum(int version, ReadOnlySpan<byte> header, ReadOnlySpan<byte> payload)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        if (version != PayloadOnlyChecksumVersion)
        {
            hash.AppendData(header);
        }

        hash.AppendData(payload);
        return hash.GetHashAndReset();
    }

    /// <summary>Reads and verifies a model file; returns its kind and a reader positioned at the payload.</summary>
    /// <param name="stream">The model file.</param>
    /// <param name="expectedKind">When given, a file of another kind is rejected.</param>
    public static ModelFileContent Read(Stream stream, string? expectedKind = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        try
        {
            using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            Span<byte> magic = stackalloc byte[4];
            // Stream.Read may return fewer bytes than asked (a network or request stream); ReadAtLeast reads on.
            var read = stream.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
            if (read == 0)
            {
                throw new ModelFormatException("Not an EnterpriseML model file: it is empty.");
            }

            if (read != 4 || !magic.SequenceEqual(Magic))
            {
                throw new ModelFormatException("Not an EnterpriseML model file (bad magic bytes).");
            }

            var version = reader.ReadInt32();
            if (version is < PayloadOnlyChecksumVersion or > ContainerVersion)
            {
                var why = version > ContainerVersion ? "it was written by a newer engine" : "the file is corrupt";
                throw new ModelFormatException(
                    $"Model container version {version} is not supported by engine {EngineVersion} (supports {ContainerVersion} and earlier): {why}.");
            }

            var kind = ReadHeaderText(reader, "model kind");
            var engine = ReadHeaderText(reader, "engine version");
            if (expectedKind is not null && !string.Equals(kind, expectedKind, StringComparison.Ordinal))
            {
                throw new ModelFormatException($"Expected a '{expectedKind}' model but the file holds a {PayloadReader.Quote(kind)} model.");
            }

            var length = reader.ReadInt64();
            if (length < 0 || length > int.MaxValue)
            {
                throw new ModelFormatException($"Corrupt model file: payload length {length} is invalid.");
            }

            // A corrupt length must not allocate gigabytes before the truncation is noticed.
            if (stream.CanSeek && length + 32 > stream.Length - stream.Position)
            {
                var left = Math.Max(0, stream.Length - stream.Position);
                throw new ModelFormatException(
                    $"Truncated model file: expected {length} payload bytes and a 32-byte checksum, found {Math.Min(left, length)} and {Math.Max(0, left - length)}.");
            }

            var payload = reader.ReadBytes((int)length);
            var checksum = reader.ReadBytes(32);
            if (payload.Length != length || checksum.Length != 32)
            {
                throw new ModelFormatException(
                    $"Truncated model file: expected {length} payload bytes and a 32-byte checksum, found {payload.Length} and {checksum.Length}.");
            }

            if (!Checksum(version, Header(version, kind, engine), payload).AsSpan().SequenceEqual(checksum))
            {
                throw new ModelFormatException(version == PayloadOnlyChecksumVersion
                    ? "Corrupt model file: the payload checksum does not match."
                    : "Corrupt model file: the header and payload checksum does not match.");
            }

            return new ModelFileContent(kind, engine, payload);
        }
        catch (EndOfStreamException e)
        {
            throw new ModelFormatException("Truncated model file: it ends inside the header.", e);
        }
    }

    /// <summary>
    /// A length-prefixed string of the header (kind, engine version), checked before the checksum is (and the only
    /// check a version-1 file's header gets): short and printable ASCII, as every engine writes them. A damaged length byte read as such made the "kind" the next
    /// 14,000 bytes of the file, and the error message quoted them all.
    /// </summary>
    private static string ReadHeaderText(BinaryReader reader, string what)
    {
        int length;
        try
        {
            length = reader.Read7BitEncodedInt();
        }
        catch (FormatException e)
        {
            throw new ModelFormatException($"Corrupt model file: the length of its {what} is not readable.", e);
        }

        if (length is < 1 or > MaximumHeaderText)
        {
            throw new ModelFormatException($"Corrupt model file: its {what} is {length} bytes long (expected 1 to {MaximumHeaderText}).");
        }

        var bytes = reader.ReadBytes(length);
        if (bytes.Length < length)
        {
            throw new EndOfStreamException();
        }

        foreach (var b in bytes)
        {
            if (b is < 0x20 or > 0x7E)
            {
                throw new ModelFormatException($"Corrupt model file: its {what} has a byte 0x{b:X2} that is not printable ASCII.");
            }
        }

        return System.Text.Encoding.ASCII.GetString(bytes);
    }

    /// <summary>
    /// Runs <paramref name="load"/> on the file at <paramref name="path"/>; a <see cref="ModelFormatException"/> it
    /// throws is thrown again with the file's name in front (<c>m.eml: Corrupt model file: ...</c>, as CSV errors
    /// name theirs), so an error read on a terminal or in a log says which file is bad.
    /// </summary>
    internal static T NamingFile<T>(string path, Func<T> load)
    {
        try
        {
            return load();
        }
        catch (ModelFormatException e)
        {
            throw new ModelFormatException($"{Path.GetFileName(path)}: {e.Message}", e);
        }
    }

    /// <summary>Reads just the kind of a model file without verifying the payload.</summary>
    public static string PeekKind(ReadOnlySpan<byte> file)
    {
        if (file.Length < 9 || !file[..4].SequenceEqual(Magic))
        {
            throw new ModelFormatException("Not an EnterpriseML model file (bad magic bytes).");
        }

        _ = BinaryPrimitives.ReadInt32LittleEndian(file[4..]);
        // The kind's length (at most 2 bytes for up to 128 bytes of text) and the kind itself; not the whole artifact.
        using var reader = new BinaryReader(new MemoryStream(file[8..Math.Min(file.Length, 10 + MaximumHeaderText)].ToArray()));
        try
        {
            return ReadHeaderText(reader, "model kind");
        }
        catch (EndOfStreamException e)
        {
            throw new ModelFormatException("Truncated model file: it ends inside the header.", e);
        }
    }
}

/// <summary>A verified model file: its kind, the engine version that wrote it, and its payload.</summary>
public sealed class ModelFileContent
{
    internal ModelFileContent(string kind, string engineVersion, byte[] payload)
    {
        Kind = kind;
        EngineVersion = engineVersion;
        Payload = payload;
    }

    public string Kind { get; }

    public string EngineVersion { get; }

    public byte[] Payload { get; }

    /// <summary>A reader over the payload. Payload readers translate unexpected ends into <see cref="ModelFormatException"/>.</summary>
    public BinaryReader OpenPayload() => new(new MemoryStream(Payload, writable: false), System.Text.Encoding.UTF8);
}

/// <summary>A model file is corrupt, truncated, of another kind, or from an incompatible engine.</summary>
public sealed class ModelFormatException : Exception
{
    public ModelFormatException(string message)
        : base(message)
    {
    }

    public ModelFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ModelFormatException()
    {
    }
}
