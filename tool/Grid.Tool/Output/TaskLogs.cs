using System.Buffers;
using System.Text;
using Grid.Protocol.Messages;

namespace Grid.Tool.Output;

/// <summary>
/// Per-task log files. Bytes are buffered per task and written when the task ends (or when the buffer is
/// large), so a run of many quiet tasks opens no files and a chatty one streams to disk. Bytes are kept as
/// they came, so a character cut across two log frames is whole again in the file.
/// </summary>
internal sealed class TaskLogs
{
    private const int FlushBytes = 1 << 20;

    private readonly RunFolder _folder;
    private readonly Dictionary<int, Buffer> _buffers = [];
    private bool _directoryMade;

    public TaskLogs(RunFolder folder)
    {
        _folder = folder;
    }

    public void Append(int index, string id, int attempt, string worker, LogSource source, ReadOnlySpan<byte> text)
    {
        if (!_buffers.TryGetValue(index, out var buffer))
        {
            buffer = new Buffer(id);
            _buffers[index] = buffer;
        }

        if (buffer.Attempt != attempt)
        {
            buffer.EndLine();
            buffer.Write(Encoding.UTF8.GetBytes($"--- attempt {attempt} on {worker} ---\n"));
            buffer.Attempt = attempt;
        }

        if (source == LogSource.Logger)
        {
            buffer.EndLine();
        }

        buffer.Write(text);
        if (buffer.Bytes.WrittenCount >= FlushBytes)
        {
            Write(buffer);
        }
    }

    /// <summary>Writes and forgets the task's buffered text; returns the log's path when the task has one.</summary>
    public string? Complete(int index)
    {
        if (!_buffers.Remove(index, out var buffer))
        {
            return null;
        }

        buffer.EndLine();
        Write(buffer);
        return _folder.TaskLog(buffer.Id);
    }

    /// <summary>Writes everything still buffered (the run is ending).</summary>
    public void CompleteAll()
    {
        foreach (int index in _buffers.Keys.ToArray())
        {
            Complete(index);
        }
    }

    private void Write(Buffer buffer)
    {
        if (buffer.Bytes.WrittenCount == 0)
        {
            return;
        }

        if (!_directoryMade)
        {
            Directory.CreateDirectory(_folder.Logs);
            _directoryMade = true;
        }

        using (var file = new FileStream(_folder.TaskLog(buffer.Id), FileMode.Append, FileAccess.Write, FileShare.Read))
        {
            file.Write(buffer.Bytes.WrittenSpan);
        }

        buffer.Bytes.ResetWrittenCount();
    }

    private sealed class Buffer(string id)
    {
        private byte _last = (byte)'\n';

        public string Id { get; } = id;

        public int Attempt { get; set; }

        public ArrayBufferWriter<byte> Bytes { get; } = new();

        public void Write(ReadOnlySpan<byte> bytes)
        {
            if (!bytes.IsEmpty)
            {
                Bytes.Write(bytes);
                _last = bytes[^1];
            }
        }

        public void EndLine()
        {
            if (_last != (byte)'\n')
            {
                Write("\n"u8);
            }
        }
    }
}
