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
}
