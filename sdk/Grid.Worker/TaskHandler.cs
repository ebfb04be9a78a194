using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Grid.Buffers;

namespace Grid;

/// <summary>A user's handler seen from the worker: input bytes in, output bytes out.</summary>
internal abstract class TaskHandler
{
    /// <summary>
    /// Reads the input, runs the handler, writes the output (UTF-8 JSON, or the handler's own bytes). The caller
    /// holds the output and releases it when done with it.
    /// </summary>
    public abstract ValueTask<PooledBytes> InvokeAsync(ReadOnlyMemory<byte> input, TaskContext context);
}

/// <summary>A typed handler with its JSON contracts resolved once, up front, rather than per task.</summary>
internal sealed class TaskHandler<TIn, TOut> : TaskHandler
{
    private readonly Func<TIn, TaskContext, ValueTask<TOut>> _handler;
    private readonly JsonTypeInfo<TIn>? _input;
    private readonly JsonTypeInfo<TOut>? _output;
    private readonly JsonWriterOptions _writing;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    [ThreadStatic]
    private static TaskHandler<TIn, TOut>? t_writerOwner;

    public TaskHandler(Func<TIn, TaskContext, ValueTask<TOut>> handler, GridWorkerOptions? options)
    {
        _handler = handler;
        var serializer = options?.SerializerOptions ?? JsonSerializerOptions.Web;

        // Options become read-only at first use anyway; this also fills in the reflection resolver when none was given.
        serializer.MakeReadOnly(populateMissingResolver: true);

        // byte[] on either side means the raw bytes: no JSON contract is needed (or wanted: JSON would base64 them).
        _input = typeof(TIn) == typeof(byte[]) ? null : ContractOf<TIn>(serializer, "input");
        _output = typeof(TOut) == typeof(byte[]) ? null : ContractOf<TOut>(serializer, "output");

        // What JsonSerializer.SerializeToUtf8Bytes writes with, so that the output's bytes are the same.
        _writing = new JsonWriterOptions
        {
            Encoder = serializer.Encoder,
            Indented = serializer.WriteIndented,
            IndentCharacter = serializer.IndentCharacter,
            IndentSize = serializer.IndentSize,
            NewLine = serializer.NewLine,
            MaxDepth = serializer.MaxDepth == 0 ? 64 : serializer.MaxDepth,
            SkipValidation = true,
        };
    }

    /// <summary>
    /// The JSON contract of the handler's <typeparamref name="T"/>, resolved at start so that a type a source-generated
    /// context leaves out stops the worker with the fix, instead of failing every task.
    /// </summary>
    private static JsonTypeInfo<T> ContractOf<T>(JsonSerializerOptions serializer, string side)
    {
        try
        {
            return (JsonTypeInfo<T>)serializer.GetTypeInfo(typeof(T));
        }
        catch (NotSupportedException e)
        {
            // Never null: the constructor made the options read-only with a resolver filled in.
            string resolver = serializer.TypeInfoResolver!.GetType().Name;
            string type = CSharpName(typeof(T));
            throw new InvalidOperationException(
                $"The handler's {side} type {type} has no JSON contract in {resolver}, the SerializerOptions' resolver. " +
                $"Add [JsonSerializable(typeof({type}))] to {resolver}, or pass no SerializerOptions to use reflection.", e);
        }
    }

    /// <summary>A type's name as C# writes it: <c>List&lt;TileSize&gt;</c>, not <c>List`1</c>.</summary>
    private static string CSharpName(Type type) => type.IsGenericType
        ? $"{type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)]}<{string.Join(", ", type.GetGenericArguments().Select(CSharpName))}>"
        : type.Name;

    public static TaskHandler<TIn, TOut> FromSync(Func<TIn, TaskContext, TOut> handler, GridWorkerOptions? options)
    {
        // A sync overload picked for an async lambda would serialize the Task itself; say so at start, not per task.
        if (typeof(Task).IsAssignableFrom(typeof(TOut)) || IsValueTask(typeof(TOut)))
        {
            throw new ArgumentException(
                $"The handler returns {typeof(TOut).Name}; use GridWorker.RunAsync for an asynchronous handler.", nameof(handler));
        }

        return new TaskHandler<TIn, TOut>((input, context) => new ValueTask<TOut>(handler(input, context)), options);
    }

    public override async ValueTask<PooledBytes> InvokeAsync(ReadOnlyMemory<byte> input, TaskContext context)
    {
        var output = await _handler(ReadInput(input), context).ConfigureAwait(false);
        return _output is null ? PooledBytes.Owned((byte[])(object)output!) : Serialize(output, _output);
    }

    /// <summary>The output as JSON in a pooled array: a large output costs no new array per task.</summary>
    private PooledBytes Serialize(TOut output, JsonTypeInfo<TOut> contract)
    {
        var buffer = new PooledBufferWriter();
        try
        {
            JsonSerializer.Serialize(WriterOnto(buffer), output, contract);
            return buffer.Detach();
        }
        finally
        {
            buffer.Dispose();
        }
    }

    /// <summary>This thread's JSON writer for this handler, reset onto <paramref name="buffer"/>: one writer per slot thread, not per task.</summary>
    private Utf8JsonWriter WriterOnto(PooledBufferWriter buffer)
    {
        if (t_writer is { } writer && ReferenceEquals(t_writerOwner, this))
        {
            writer.Reset(buffer);
            return writer;
        }

        t_writerOwner = this;
        return t_writer = new Utf8JsonWriter(buffer, _writing);
    }

    private TIn ReadInput(ReadOnlyMemory<byte> input)
    {
        if (_input is not null)
        {
            return JsonSerializer.Deserialize(input.Span, _input)!;
        }

        // The protocol hands over a whole array per task; pass it on without a copy when it is one.
        var bytes = MemoryMarshal.TryGetArray(input, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : input.ToArray();
        return (TIn)(object)bytes;
    }

    private static bool IsValueTask(Type type) =>
        type == typeof(ValueTask) || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ValueTask<>));
}
