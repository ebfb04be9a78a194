namespace Grid.CloudInABox.Wire;

/// <summary>An error answer, in the service's words: the protocol writer gives it the service's shape.</summary>
public sealed class ApiException : Exception
{
    public ApiException(string code, string message, int status = 400)
        : base(message)
    {
        Code = code;
        Status = status;
    }

    public ApiException()
        : this("InternalError", "internal error", 500)
    {
    }

    public ApiException(string message)
        : this("InvalidParameterValue", message)
    {
    }

    public ApiException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = "InternalError";
        Status = 500;
    }

    public string Code { get; }

    public int Status { get; }
}
