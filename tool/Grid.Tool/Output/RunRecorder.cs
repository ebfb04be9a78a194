using System.Text;
using System.Text.Json;
using Grid.Protocol.Messages;
using Grid.Tool.Head;

namespace Grid.Tool.Output;

/// <summary>
/// Writes a run's results.jsonl (one line per task, written once, when the task ends), errors.jsonl (one line
/// per failed attempt) and logs. Lines are appended and flushed at the end of every event batch.
/// </summary>
public sealed class RunRecorder : IRunRecorder, IDisposable
{
    private readonly RunFolder _folder;
    private readonly FileStream _results;
    private readonly Utf8JsonWriter _resultsJson;
    private readonly FileStream _errors;
    private readonly Utf8JsonWriter _errorsJson;
    private readonly FileStream _attempts;
    private readonly Utf8JsonWriter _attemptsJson;
    private readonly FileStream _workers;
    private readonly Utf8JsonWriter _workersJson;
    private readonly TaskLogs _logs;
    private readonly Dictionary<string, StreamWriter> _workerLogs = new(StringComparer.Ordinal);
    private readonly Action<string> _onEvent;

    public RunRecorder(RunFolder folder, Action<string> onEvent)
    {
        _folder = folder;
        _onEvent = onEvent;
        Directory.CreateDirectory(folder.Path);
        _results = Open(folder.Results);
        _resultsJson = new Utf8JsonWriter(_results, new JsonWriterOptions { SkipValidation = false });
        _errors = Open(folder.Errors);
        _errorsJson = new Utf8JsonWriter(_errors);
        _attempts = Open(folder.Attempts);
        _attemptsJson = new Utf8JsonWriter(_attempts);
        _workers = Open(folder.Workers);
        _workersJson = new Utf8JsonWriter(_workers);
        _logs = new TaskLogs(folder);
    }

    public void Commit(CommittedTask task)
    {
        string? log = _logs.Complete(task.Index);
        var json = _resultsJson;
        json.Reset();
        json.WriteStartObject();
        json.WriteString("id", task.Id);
        json.WriteString("status", task.Status.ToStatus());
        if (task.Status == TaskState.Succeeded)
        {
            WriteBody(json, "output", task.Body);
        }
        else
        {
            WriteBody(json, "error", task.Body);
        }

        json.WriteNumber("attempts", task.Attempts);
        json.WriteString("worker", task.Worker);
        json.WriteString("dispatched", task.Dispatched.UtcDateTime);
        json.WriteString("started", task.Started.UtcDateTime);
        json.WriteString("ended", task.Ended.UtcDateTime);
        json.WriteNumber("durationMs", Math.Round(task.RunMilliseconds, 3));
        if (log is not null)
        {
            json.WriteString("log", Path.GetRelativePath(_folder.Path, log));
        }

        json.WriteEndObject();
        json.Flush();
        _results.WriteByte((byte)'\n');
    }

    public void AttemptFailed(FailedAttempt attempt)
    {
        var json = _errorsJson;
        json.Reset();
        json.WriteStartObject();
        json.WriteString("id", attempt.Id);
        json.WriteNumber("attempt", attempt.Attempt);
        json.WriteString("status", attempt.Kind.ToStatus());
        json.WriteBoolean("final", attempt.Final);
        json.WriteString("worker", attempt.Worker);
        json.WriteString("at", attempt.At.UtcDateTime);
        WriteBody(json, "error", attempt.Error);
        json.WriteEndObject();
        json.Flush();
        _errors.WriteByte((byte)'\n');
    }

    public void AttemptEnded(AttemptRecord attempt)
    {
        var json = _attemptsJson;
        json.Reset();
        json.WriteStartObject();
        json.WriteString("id", attempt.Id);
        json.WriteNumber("attempt", attempt.Attempt);
        json.WriteString("worker", attempt.Worker);
        json.WriteString("outcome", attempt.Outcome);
        json.WriteString("dispatched", attempt.Dispatched.UtcDateTime);
        if (attempt.Started is { } started)
        {
            json.WriteString("started", started.UtcDateTime);
        }
        else
        {
            json.WriteNull("started");
        }

        json.WriteString("ended", attempt.Ended.UtcDateTime);
        if (attempt.Cause is { } cause)
        {
            json.WriteString("cause", cause);
        }

        json.WriteEndObject();
        json.Flush();
        _attempts.WriteByte((byte)'\n');
    }

    public void WorkerEnded(WorkerRecord worker)
    {
        var json = _workersJson;
        json.Reset();
        json.WriteStartObject();
        json.WriteString("id", worker.Id);
        json.WriteString("location", worker.Location);
        json.WriteNumber("slots", worker.Slots);
        json.WriteString("launched", worker.Launched.UtcDateTime);
        if (worker.Ready is { } ready)
        {
            json.WriteString("ready", ready.UtcDateTime);
        }
        else
        {
            json.WriteNull("ready");
        }

        json.WriteString("ended", worker.Ended.UtcDateTime);
        json.WriteNumber("completed", worker.Completed);
        json.WriteString("end", worker.End);
        json.WriteEndObject();
        json.Flush();
        _workers.WriteByte((byte)'\n');
    }

    public void TaskLog(int index, string id, int attempt, string worker, LogSource source, ReadOnlySpan<byte> text) =>
        _logs.Append(index, id, attempt, worker, source, text);

    public void WorkerLog(string worker, string text)
    {
        var writer = WriterFor(worker);
        lock (writer)
        {
            writer.WriteLine(text.TrimEnd('\n'));
        }
    }

    public void Notice(string message) => _onEvent(message);

    /// <summary>Where a worker's own stderr goes: its log file (the backend writes from its own threads, so this locks).</summary>
    public TextWriter WorkerStderr(string worker) => WriterFor(worker);

    public void Flush()
    {
        _results.Flush();
        _errors.Flush();
        _attempts.Flush();
        _workers.Flush();
        lock (_workerLogs)
        {
            foreach (var writer in _workerLogs.Values)
            {
                lock (writer)
                {
                    writer.Flush();
                }
            }
        }
    }

    public void Dispose()
    {
        _logs.CompleteAll();
        Flush();
        _resultsJson.Dispose();
        _results.Dispose();
        _errorsJson.Dispose();
        _errors.Dispose();
        _attemptsJson.Dispose();
        _attempts.Dispose();
        _workersJson.Dispose();
        _workers.Dispose();
        lock (_workerLogs)
        {
            foreach (var writer in _workerLogs.Values)
            {
                lock (writer)
                {
                    writer.Dispose();
                }
            }
        }
    }

    private StreamWriter WriterFor(string worker)
    {
        lock (_workerLogs)
        {
            if (!_workerLogs.TryGetValue(worker, out var writer))
            {
                Directory.CreateDirectory(_folder.WorkerLogs);
                writer = new StreamWriter(_folder.WorkerLog(worker), append: true, new UTF8Encoding(false));
                _workerLogs[worker] = writer;
            }

            return writer;
        }
    }

    /// <summary>Bodies are JSON by contract; a worker that sends something else gets it kept as a string, not a broken line.</summary>
    private static void WriteBody(Utf8JsonWriter json, string name, ReadOnlyMemory<byte> body)
    {
        json.WritePropertyName(name);
        if (body.IsEmpty)
        {
            json.WriteNullValue();
            return;
        }

        try
        {
            var reader = new Utf8JsonReader(body.Span);
            reader.Read();
            reader.Skip();
            if (!reader.Read())
            {
                json.WriteRawValue(body.Span, skipInputValidation: true);
                return;
            }
        }
        catch (JsonException)
        {
        }

        json.WriteStringValue(Encoding.UTF8.GetString(body.Span));
    }

    private static FileStream Open(string path) =>
        new(path, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 64 * 1024);
}
