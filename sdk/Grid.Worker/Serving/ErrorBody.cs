using System.Buffers;
using System.Text.Json;
using Grid.Buffers;

namespace Grid.Serving;

/// <summary>
/// The body of a Failed or Cancelled result: <c>{"type": ..., "message": ..., "stack": ...}</c>, where type is
/// the exception's full type name and stack is the exception as <see cref="Exception.ToString"/> writes it
/// (inner exceptions included).
/// </summary>
internal static class ErrorBody
{
    /// <summary>The body, as the bytes a Result holds.</summary>
    public static PooledBytes Of(Exception exception, string? message = null) => PooledBytes.Owned(From(exception, message));

    private static byte[] From(Exception exception, string? message = null)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", exception.GetType().FullName);
            writer.WriteString("message", message ?? exception.Message);
            writer.WriteString("stack", exception.ToString());
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
