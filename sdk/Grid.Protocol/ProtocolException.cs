namespace Grid.Protocol;

/// <summary>A peer broke the protocol. The connection cannot continue; <see cref="Code"/> says how.</summary>
public sealed class ProtocolException : Exception
{
    public ProtocolException(string code, string message)
        : base($"{code}: {message}")
    {
        Code = code;
    }

    public ProtocolException()
        : this(ProtocolErrors.Malformed, "protocol error")
    {
    }

    public ProtocolException(string message)
        : this(ProtocolErrors.Malformed, message)
    {
    }

    public ProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = ProtocolErrors.Malformed;
    }

    /// <summary>The GRID6xxx code.</summary>
    public string Code { get; }
}

/// <summary>The protocol's error codes (GRID6001–GRID6009), documented in docs/protocol.md and sdk/README.md.</summary>
public static class ProtocolErrors
{
    public const string Oversize = "GRID6001";
    public const string UnknownKind = "GRID6002";
    public const string Truncated = "GRID6003";
    public const string Malformed = "GRID6004";
    public const string Version = "GRID6005";
    public const string Unexpected = "GRID6006";
    public const string BadToken = "GRID6009";
}
