using System.Buffers.Binary;
using System.Security.Cryptography;

namespace EnterpriseML.Engine.Tests.Models;

/// <summary>Where the parts of a model file lie, read from its header (magic, version, kind, engine version, length).</summary>
internal static class ModelFileLayout
{
    /// <summary>The payload's first byte and length; the payload length (int64) is the 8 bytes before it.</summary>
    public static (int Start, int Length) PayloadRange(byte[] file)
    {
        using var reader = new BinaryReader(new MemoryStream(file));
        reader.ReadBytes(8);
        reader.ReadString();
        reader.ReadString();
        var length = reader.ReadInt64();
        return ((int)reader.BaseStream.Position, (int)length);
    }

    /// <summary>The payload's first byte and a copy of the payload, to edit and pass to <see cref="Rehashed"/>.</summary>
    public static (int Start, byte[] Payload) Payload(byte[] file)
    {
        var (start, length) = PayloadRange(file);
        return (start, file.AsSpan(start, length).ToArray());
    }

    /// <summary>
    /// The file with its payload replaced by <paramref name="payload"/>, the length and checksum recomputed: the
    /// SHA-256 of the header up to the payload length, then the payload (container version 2).
    /// </summary>
    public static byte[] Rehashed(byte[] file, int payloadStart, byte[] payload)
    {
        Assert.Equal(2, BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(4)));
        var result = new byte[payloadStart + payload.Length + 32];
        file.AsSpan(0, payloadStart).CopyTo(result);
        BinaryPrimitives.WriteInt64LittleEndian(result.AsSpan(payloadStart - 8), payload.Length);
        payload.CopyTo(result.AsSpan(payloadStart));
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(file.AsSpan(0, payloadStart - 8));
        hash.AppendData(payload);
        hash.GetHashAndReset().CopyTo(result.AsSpan(payloadStart + payload.Length));
        return result;
    }
}
