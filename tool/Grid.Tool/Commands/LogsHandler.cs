using System.Globalization;
using System.Text.Json;
using Grid.Tool.Diagnostics;
using Grid.Tool.Output;
using Spectre.Console;

namespace Grid.Tool.Commands;

/// <summary>Lists and prints the logs in a run folder: logs/&lt;task&gt;.log (named by <see cref="RunFolder.TaskLog"/>) and logs/workers/&lt;worker&gt;.log.</summary>
public sealed class LogsHandler(CommandContext context)
{
    public int Show(LogsOptions options)
    {
        var run = RunCatalog.Find(options.WorkingDirectory, options.RunId);
        if (options.TaskId is not null && options.Worker is not null)
        {
            throw new GridException(ErrorCodes.BadOption, "give a task id or --worker, not both.");
        }

        if (options.Worker is { } worker)
        {
            string path = run.Folder.WorkerLog(worker);
            string? record = WorkerRecordLine(run.Folder, worker);
            if (!File.Exists(path) && record is null)
            {
                string known = string.Join(", ", WorkerLogs(run.Folder).Select(w => w.Id));
                throw new GridException(ErrorCodes.LogNotFound, $"run '{run.RunId}' has no log of worker '{worker}'. {(known.Length == 0 ? "It has no worker logs." : $"Its workers: {known}.")}");
            }

            // What workers.jsonl says of it first (a quiet worker has no log file), then its own log.
            if (record is not null)
            {
                context.Out.WriteLine(record);
            }

            if (File.Exists(path))
            {
                Print(path);
            }

            return ExitCodes.Success;
        }

        if (options.TaskId is { } task)
        {
            string path = run.Folder.TaskLog(task);
            if (File.Exists(path))
            {
                Print(path);
                return ExitCodes.Success;
            }

            var ended = TaskLogs(run.Folder).FirstOrDefault(t => t.Id == task);
            if (ended is null)
            {
                throw new GridException(ErrorCodes.TaskNotInRun, $"run '{run.RunId}' has no ended task '{task}' and no log for it{(run.Status == RunStatus.Running ? " yet" : "")}. `dotnet grid logs {run.RunId}` lists the tasks that have logs.");
            }

            context.Error.WriteLine($"Task '{task}' ({ended.Status}) wrote nothing.");
            return ExitCodes.Success;
        }

        List(run, options.Format);
        return ExitCodes.Success;
    }

    private void List(RunEntry run, string format)
    {
        var tasks = TaskLogs(run.Folder).Where(t => t.Path is not null).ToList();
        var workers = WorkerLogs(run.Folder);
        if (format == OutputFormat.Json)
        {
            OutputFormat.WriteJson(context.Out, json =>
            {
                json.WriteStartObject();
                json.WriteString("run", run.RunId);
                Write(json, "tasks", tasks, run.Folder);
                Write(json, "workers", workers, run.Folder);
                json.WriteEndObject();
            });
            return;
        }

        var console = OutputFormat.Console(context.Out);
        var table = new Table().Border(TableBorder.Simple).AddColumn("task").AddColumn("status").AddColumn(new TableColumn("size").RightAligned()).AddColumn("log");
        foreach (var task in tasks)
        {
            table.AddRow(Markup.Escape(task.Id), Markup.Escape(task.Status), Size(task.Bytes), Markup.Escape(Path.GetRelativePath(run.Folder.Path, task.Path!)));
        }

        if (tasks.Count == 0)
        {
            context.Out.WriteLine($"No task of run {run.RunId} wrote a log.");
        }
        else
        {
            console.Write(table);
        }

        var workerTable = new Table().Border(TableBorder.Simple).AddColumn("worker").AddColumn(new TableColumn("size").RightAligned()).AddColumn("log");
        foreach (var worker in workers)
        {
            workerTable.AddRow(Markup.Escape(worker.Id), Size(worker.Bytes), worker.Path is null ? "(no log: nothing to say)" : Markup.Escape(Path.GetRelativePath(run.Folder.Path, worker.Path)));
        }

        if (workers.Count > 0)
        {
            console.Write(workerTable);
        }

        context.Out.WriteLine($"Print one with `dotnet grid logs {run.RunId} <task-id>` or `dotnet grid logs {run.RunId} --worker <worker>`.");
        context.Out.Flush();
    }

    private static void Write(Utf8JsonWriter json, string name, List<LogEntry> entries, RunFolder folder)
    {
        json.WriteStartArray(name);
        foreach (var entry in entries)
        {
            json.WriteStartObject();
            json.WriteString("id", entry.Id);
            if (entry.Status.Length > 0)
            {
                json.WriteString("status", entry.Status);
            }

            json.WriteNumber("bytes", entry.Bytes);
            if (entry.Path is null)
            {
                json.WriteNull("path");
            }
            else
            {
                json.WriteString("path", System.IO.Path.GetRelativePath(folder.Path, entry.Path));
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private void Print(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(file);
        char[] buffer = new char[64 * 1024];
        int read;
        while ((read = reader.Read(buffer, 0, buffer.Length)) > 0)
        {
            context.Out.Write(buffer, 0, read);
        }

        context.Out.Flush();
    }

    /// <summary>Every ended task, with its log's path when it has one, in results.jsonl order; then log files no result names (tasks still running, or cut off by a crash).</summary>
    private static List<LogEntry> TaskLogs(RunFolder folder)
    {
        var entries = new List<LogEntry>();
        var named = new HashSet<string>(StringComparer.Ordinal);
        JsonLines.ForEach(folder.Results, line =>
        {
            string? id = null, status = null, log = null;
            bool readable = JsonLines.ReadObject(line, (ref Utf8JsonReader reader) =>
            {
                if (reader.ValueTextEquals("id"u8))
                {
                    reader.Read();
                    id = reader.GetString();
                }
                else if (reader.ValueTextEquals("status"u8))
                {
                    reader.Read();
                    status = reader.GetString();
                }
                else if (reader.ValueTextEquals("log"u8))
                {
                    reader.Read();
                    log = reader.GetString();
                }
                else
                {
                    return false;
                }

                return true;
            });

            if (!readable)
            {
                return;
            }

            if (id is not null)
            {
                string? path = log is null ? null : Path.GetFullPath(log, folder.Path);
                entries.Add(new LogEntry(id, status ?? "", path, path is not null && File.Exists(path) ? new FileInfo(path).Length : 0));
                if (path is not null)
                {
                    named.Add(path);
                }
            }
        });

        if (Directory.Exists(folder.Logs))
        {
            foreach (string file in Directory.EnumerateFiles(folder.Logs, "*.log").Order(StringComparer.Ordinal))
            {
                if (!named.Contains(Path.GetFullPath(file)))
                {
                    entries.Add(new LogEntry(Path.GetFileNameWithoutExtension(file), "", file, new FileInfo(file).Length));
                }
            }
        }

        return entries;
    }

    /// <summary>Every worker of the run: those with a log file, and those workers.jsonl records (a quiet worker has no log).</summary>
    private static List<LogEntry> WorkerLogs(RunFolder folder)
    {
        var entries = new Dictionary<string, LogEntry>(StringComparer.Ordinal);
        foreach (var id in WorkerRecords(folder).Select(r => r.GetProperty("id").GetString()!))
        {
            entries[id] = new LogEntry(id, "", null, 0);
        }

        if (Directory.Exists(folder.WorkerLogs))
        {
            foreach (string file in Directory.EnumerateFiles(folder.WorkerLogs, "*.log"))
            {
                string id = Path.GetFileNameWithoutExtension(file);
                entries[id] = new LogEntry(id, "", file, new FileInfo(file).Length);
            }
        }

        return [.. entries.Values.OrderBy(w => w.Id, Comparer<string>.Create(Reports.NaturalOrder.Compare))];
    }

    /// <summary>workers.jsonl's records, read as any run file is: complete lines only, while a head may still append.</summary>
    private static List<JsonElement> WorkerRecords(RunFolder folder)
    {
        var records = new List<JsonElement>();
        JsonLines.ForEach(folder.Workers, line =>
        {
            try
            {
                records.Add(JsonDocument.Parse(line.ToArray()).RootElement);
            }
            catch (JsonException)
            {
            }
        });
        return records;
    }

    /// <summary>One line about a worker from workers.jsonl: where it ran, its slots, its life and how it ended.</summary>
    private static string? WorkerRecordLine(RunFolder folder, string worker)
    {
        var record = WorkerRecords(folder).LastOrDefault(r => r.GetProperty("id").GetString() == worker);
        if (record.ValueKind == JsonValueKind.Undefined)
        {
            return null;
        }

        string ready = record.TryGetProperty("ready", out var r) && r.ValueKind == JsonValueKind.String ? $", ready {r.GetString()}" : ", never ready";
        return $"worker {worker}: {record.GetProperty("location").GetString()}, {record.GetProperty("slots").GetInt32()} slot(s); launched {record.GetProperty("launched").GetString()}{ready}, ended {record.GetProperty("ended").GetString()} ({record.GetProperty("end").GetString()}); {record.GetProperty("completed").GetInt32()} task(s) completed";
    }

    private static string Size(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => (bytes / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " KiB",
        _ => (bytes / 1024.0 / 1024).ToString("0.0", CultureInfo.InvariantCulture) + " MiB",
    };

    private sealed record LogEntry(string Id, string Status, string? Path, long Bytes);
}
