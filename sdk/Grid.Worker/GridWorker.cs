using System.Runtime.CompilerServices;
using Grid.Hosting;

namespace Grid;

/// <summary>
/// Runs a task handler: the whole of a Grid job's <c>Main</c>.
/// <code>
/// return await GridWorker.RunAsync(args, async (TileInput input, TaskContext context) =>
/// {
///     ...
///     return new TileOutput(...);
/// });
/// </code>
/// The arguments decide the mode: <c>--grid-worker</c> serves tasks over stdin/stdout with Grid's task protocol
/// (the head starts the program this way), or over a TLS connection to the head with <c>--grid-connect</c>; <c>--input JSON</c> or <c>--input @file.json</c> runs the handler
/// once and prints its output (the debugging loop). Anything else prints the usage and returns 2.
/// </summary>
/// <remarks>
/// Inputs are read and outputs written with System.Text.Json (web defaults: camelCase, case-insensitive).
/// <typeparamref name="TIn"/> may be a POCO or record, <see cref="System.Text.Json.JsonElement"/> or
/// <see cref="System.Text.Json.Nodes.JsonNode"/>/<see cref="System.Text.Json.Nodes.JsonObject"/> for any JSON, or
/// <c>byte[]</c> for the raw input bytes. A <c>byte[]</c> output is sent as it is (it should be UTF-8 JSON).
/// </remarks>
public static class GridWorker
{
    /// <summary>Runs an asynchronous handler; returns the process exit code.</summary>
    /// <remarks>An <c>async</c> lambda converts to Task and ValueTask alike; the priority makes it this overload.</remarks>
    [OverloadResolutionPriority(1)]
    public static Task<int> RunAsync<TIn, TOut>(string[] args, Func<TIn, TaskContext, Task<TOut>> handler, GridWorkerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return RunAsync(args, new TaskHandler<TIn, TOut>((input, context) => new ValueTask<TOut>(handler(input, context)), options), options);
    }

    /// <summary>
    /// Runs an asynchronous handler that returns a <see cref="ValueTask{TResult}"/> (a lambda with an explicit
    /// return type: <c>async ValueTask&lt;TOut&gt; (TIn input, TaskContext context) =&gt; ...</c>); returns the exit code.
    /// </summary>
    public static Task<int> RunAsync<TIn, TOut>(string[] args, Func<TIn, TaskContext, ValueTask<TOut>> handler, GridWorkerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return RunAsync(args, new TaskHandler<TIn, TOut>(handler, options), options);
    }

    /// <summary>Runs a synchronous handler; returns the process exit code.</summary>
    public static Task<int> RunAsync<TIn, TOut>(string[] args, Func<TIn, TaskContext, TOut> handler, GridWorkerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return RunAsync(args, TaskHandler<TIn, TOut>.FromSync(handler, options), options);
    }

    /// <summary>Runs a synchronous handler and blocks until the program should exit; returns the exit code.</summary>
    public static int Run<TIn, TOut>(string[] args, Func<TIn, TaskContext, TOut> handler, GridWorkerOptions? options = null) =>
        RunAsync(args, handler, options).GetAwaiter().GetResult();

    private static Task<int> RunAsync(string[] args, TaskHandler handler, GridWorkerOptions? options)
    {
        ArgumentNullException.ThrowIfNull(args);
        options ??= new GridWorkerOptions();
        if (!WorkerArguments.TryParse(args, out var parsed, out var error))
        {
            return Task.FromResult(Usage.Print(Console.Error, error));
        }

        return parsed.Mode switch
        {
            WorkerMode.Worker => RunWorkerAsync(handler, parsed, options),
            WorkerMode.Inline => RunInlineAsync(handler, parsed),
            _ => Task.FromResult(Usage.Print(Console.Error, error: null)),
        };
    }

    private static Task<int> RunWorkerAsync(TaskHandler handler, WorkerArguments arguments, GridWorkerOptions options)
    {
        if (!WorkerEnvironment.TryReadSpot(Environment.GetEnvironmentVariable, out var spot, out var error))
        {
            return Task.FromResult(Usage.Print(Console.Error, error));
        }

        DialSettings? dial = null;
        if (arguments.Connect is not null && !WorkerEnvironment.TryReadDial(arguments, Environment.GetEnvironmentVariable, out dial, out error))
        {
            return Task.FromResult(Usage.Print(Console.Error, error));
        }

        // Watched for the life of the process, across reconnections; the first notice drains the worker.
        var notice = spot is null
            ? null
            : Spot.SpotNoticeWatcher.WatchAsync(new Spot.ImdsSpotNotices(spot.MetadataEndpoint, Console.Error), TimeProvider.System, CancellationToken.None);
        int slots = arguments.ResolveSlots(options);
        return dial is null
            ? StdioHost.RunAsync(handler, slots, notice)
            : DialHost.RunAsync(handler, slots, dial, notice, Console.Error, TimeProvider.System);
    }

    private static async Task<int> RunInlineAsync(TaskHandler handler, WorkerArguments arguments)
    {
        // stdout carries the output alone, so it can be piped (to jq, to a file); the handler's prints go to stderr.
        var stdout = Console.OpenStandardOutput();
        Console.SetOut(Console.Error);
        await using (stdout.ConfigureAwait(false))
        {
            return await InlineRunner.RunAsync(handler, arguments, stdout, Console.Error).ConfigureAwait(false);
        }
    }
}
