using System.Buffers;
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
    private readonly JsonLinesFile _results;
    private readonly JsonLinesFile _errors;
    private readonly JsonLinesFile _attempts;
    private readonly JsonLinesFile _workers;
    private readonly TaskLogs _logs;
    private readonly LineValues _values = new();
    private readonly Dictionary<string, StreamWriter> _workerLogs = new(StringComparer.Ordinal);
    private readonly Action<string> _onEvent;

    public RunRecorder(RunFolder folder, Action<string> onEvent)
    {
        _folder = folder;
        _onEvent = onEvent;
        Directory.CreateDirectory(folder.Path);
        _results = new JsonLinesFile(folder.Results);
        _errors = new JsonLinesFile(folder.Errors);
        _attempts = new JsonLinesFile(folder.Attempts);
        _workers = new JsonLinesFile(folder.Workers);
        _logs = new TaskLogs(folder);
    }

    public void Commit(in CommittedTask task)
    {
        string? log = _logs.Complete(task.Index);
        WriteResultLine(task, log is null ? null : Path.GetRelativePath(_folder.Path, log));
    }

    /// <summary>
    /// A results.jsonl line written by hand, byte for byte what Utf8JsonWriter writes for the same fields: it is the
    /// head's work per task, and the general writer's checks and formatters were a third of it.
    /// </summary>
    private void WriteResultLine(in CommittedTask task, string? logPath)
    {
        var line = _results.BeginRawLine();
        line.Write("{\"id\":"u8);
        WriteString(line, task.Id);
        line.Write(",\"status\":"u8);
        line.Write(QuotedStatuses[(int)task.Status]);
        line.Write(task.Status == TaskState.Succeeded ? ",\"output\":"u8 : ",\"error\":"u8);
        if (task.Body.IsEmpty)
        {
            line.Write("null"u8);
        }
        else if (IsOneJsonValue(task.Body.Span))
        {
            _results.AppendRawValue(task.Body);
        }
        else
        {
            // A body that is not JSON (a worker that broke the contract) is kept as a string, not a broken line.
            WriteString(line, Encoding.UTF8.GetString(task.Body.Span));
        }

        line.Write(",\"attempts\":"u8);
        var span = line.GetSpan(16);
        task.Attempts.TryFormat(span, out int written, provider: System.Globalization.CultureInfo.InvariantCulture);
        line.Advance(written);
        line.Write(",\"worker\":"u8);
        WriteString(line, task.Worker);
        WriteTime(line, ",\"dispatched\":"u8, task.Dispatched.UtcDateTime);
        WriteTime(line, ",\"started\":"u8, task.Started.UtcDateTime);
        WriteTime(line, ",\"ended\":"u8, task.Ended.UtcDateTime);
        line.Write(",\"durationMs\":"u8);
        line.Advance(LineValues.FormatMilliseconds(task.RunMilliseconds, line.GetSpan(32)));
        if (logPath is not null)
        {
            line.Write(",\"log\":"u8);
            WriteString(line, logPath);
        }

        line.Write("}"u8);
        _results.EndLine();
    }

    private void WriteTime(ArrayBufferWriter<byte> line, ReadOnlySpan<byte> name, DateTime utc)
    {
        line.Write(name);
        line.Advance(_values.FormatTime(utc, line.GetSpan(LineValues.MaxBytes)));
    }

    /// <summary>A JSON string escaped as Utf8JsonWriter escapes it (its default encoder): most ids need nothing.</summary>
    private static void WriteString(ArrayBufferWriter<byte> line, string value)
    {
        var span = line.GetSpan(Encoding.UTF8.GetMaxByteCount(value.Length) + 2);
        int length = Encoding.UTF8.GetBytes(value, span[1..]);
        if (System.Text.Encodings.Web.JavaScriptEncoder.Default.FindFirstCharacterToEncodeUtf8(span.Slice(1, length)) >= 0)
        {
            var encoded = JsonEncodedText.Encode(value).EncodedUtf8Bytes;
            span = line.GetSpan(encoded.Length + 2);
            length = encoded.Length;
            encoded.CopyTo(span[1..]);
        }

        span[0] = (byte)'"';
        span[length + 1] = (byte)'"';
        line.Advance(length + 2);
    }

    /// <summary>Whether a body is one whole JSON value (bodies are JSON by contract; a worker may break it).</summary>
    private static bool IsOneJsonValue(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            reader.Read();
            reader.Skip();
            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    public void AttemptFailed(FailedAttempt attempt)
    {
        var json = _errors.BeginLine();
        json.WriteStartObject();
        json.WriteString("id", attempt.Id);
        json.WriteNumber("attempt", attempt.Attempt);
        json.WriteString("status", attempt.Kind.ToStatus());
        json.WriteBoolean("final", attempt.Final);
        json.WriteString("worker", attempt.Worker);
        json.WriteString("at", attempt.At.UtcDateTime);
        WriteBody(json, "error", attempt.Error, _errors);
        json.WriteEndObject();
        _errors.EndLine();
    }

    public void AttemptEnded(AttemptRecord attempt)
    {
        var json = _attempts.BeginLine();
        json.WriteStartObject();
        json.WriteString("id", attempt.Id);
        json.WriteNumber("attempt", attempt.Attempt);
        json.WriteString("worker", attempt.Worker);
        json.WriteString("outcome", attempt.Outcome);
        json.WriteString("dispatched", attempt.Dispatched.UtcDateTime);
        WriteTime(json, "started", attempt.Started);

        json.WriteString("ended", attempt.Ended.UtcDateTime);
        if (attempt.Cause is { } cause)
        {
            json.WriteString("cause", cause);
        }

        json.WriteEndObject();
        _attempts.EndLine();
    }

    public void WorkerEnded(WorkerRecord worker)
    {
        var json = _workers.BeginLine();
        json.WriteStartObject();
        json.WriteString("id", worker.Id);
        json.WriteString("location", worker.Location);
        json.WriteNumber("slots", worker.Slots);
        json.WriteString("launched", worker.Launched.UtcDateTime);
        WriteTime(json, "ready", worker.Ready);

        json.WriteString("ended", worker.Ended.UtcDateTime);
        json.WriteNumber("completed", worker.Completed);
        json.WriteString("end", worker.End);
        json.WriteEndObject();
        _workers.EndLine();
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
    public TextWriter WorkerStderr(string worker) => new LazyWorkerLog(this, worker);

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
        _results.Dispose();
        _errors.Dispose();
        _attempts.Dispose();
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

    /// <summary>A worker's stderr: its log file is made on the first line, so a quiet worker leaves no file.</summary>
    private sealed class LazyWorkerLog(RunRecorder recorder, string worker) : TextWriter
    {
        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value) => WriteLine(value.ToString());

        public override void WriteLine(string? value)
        {
            var writer = recorder.WriterFor(worker);
            lock (writer)
            {
                writer.WriteLine(value);
            }
        }
    }

    /// <summary>A UTC time, or null for an event that did not happen (never started, never ready).</summary>
    private static void WriteTime(Utf8JsonWriter json, string name, DateTimeOffset? time)
    {
        if (time is { } value)
        {
            json.WriteString(name, value.UtcDateTime);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    /// <summary>Bodies are JSON by contract; a worker that sends something else gets it kept as a string, not a broken line.</summary>
    private static void WriteBody(Utf8JsonWriter json, string name, ReadOnlyMemory<byte> body, JsonLinesFile file)
    {
        json.WritePropertyName(name);
        if (body.IsEmpty)
        {
            json.WriteNullValue();
        }
        else if (IsOneJsonValue(body.Span))
        {
            file.WriteRawValue(body);
        }
        else
        {
            json.WriteStringValue(Encoding.UTF8.GetString(body.Span));
        }
    }

    /// <summary>The status words of results.jsonl, quoted and encoded once rather than on every line.</summary>
    private static readonly byte[][] QuotedStatuses = Enum.GetValues<TaskState>().Select(s => Encoding.UTF8.GetBytes($"\"{s.ToStatus()}\"")).ToArray();
}
