using System.Net;

namespace Grid.Registry;

/// <summary>
/// A push failure the user can act on: a GRID code (<see cref="RegistryErrorCodes"/>) and a message that says what
/// failed, the value involved and the fix. The tool reports it as one line, <c>GRIDxxxx: message</c>.
/// </summary>
public sealed class RegistryException : Exception
{
    public RegistryException(string code, string message, HttpStatusCode? statusCode = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Code = code;
        StatusCode = statusCode;
    }

    public RegistryException()
        : this(RegistryErrorCodes.RegistryFailed, "registry error")
    {
    }

    public RegistryException(string message)
        : this(RegistryErrorCodes.RegistryFailed, message)
    {
    }

    public RegistryException(string message, Exception innerException)
        : this(RegistryErrorCodes.RegistryFailed, message, null, innerException)
    {
    }

    /// <summary>The GRID code, one of <see cref="RegistryErrorCodes"/>.</summary>
    public string Code { get; }

    /// <summary>The registry's HTTP status, or null when no answer came or the failure was local.</summary>
    public HttpStatusCode? StatusCode { get; }

    public override string ToString() => $"{Code}: {Message}";
}
