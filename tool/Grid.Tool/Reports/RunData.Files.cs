using System.Text.Json;
using Grid.Tool.Output;

namespace Grid.Tool.Reports;

/// <summary>Reading the run folder's JSON Lines files, one record per line; a line that is not a record is counted and skipped.</summary>
internal sealed partial class RunData
{
    private void ReadResults(string path)
    {
        ResultLines = JsonLines.ForEach(path, line =>
        {
            var span = new AttemptSpan { Final = true, Started = -1, Dispatched = -1, Ended = -1, DurationMs = double.NaN };
            string? id = null;
            string? worker = null;
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
                    span.Outcome = ParseOutcome(ref reader);
                }
                else if (reader.ValueTextEquals("attempts"u8))
                {
                    reader.Read();
                    span.Attempt = reader.GetInt32();
                }
                else if (reader.ValueTextEquals("worker"u8))
                {
                    reader.Read();
                    worker = reader.GetString();
                }
                else if (reader.ValueTextEquals("dispatched"u8))
                {
                    span.Dispatched = ReadTime(ref reader);
                }
                else if (reader.ValueTextEquals("started"u8))
                {
                    span.Started = ReadTime(ref reader);
                }
                else if (reader.ValueTextEquals("ended"u8))
                {
                    span.Ended = ReadTime(ref reader);
                }
                else if (reader.ValueTextEquals("durationMs"u8))
                {
                    reader.Read();
                    span.DurationMs = reader.GetDouble();
                }
                else
                {
                    return false;
                }

                return true;
            });

            if (!readable)
            {
                id = null;
            }

            Add(ref span, id, worker);
        });
    }

    private void ReadAttempts(string path) => JsonLines.ForEach(path, line =>
    {
        var span = new AttemptSpan { Started = -1, Dispatched = -1, Ended = -1, DurationMs = double.NaN };
        string? id = null;
        string? worker = null;
        bool readable = JsonLines.ReadObject(line, (ref Utf8JsonReader reader) =>
        {
            if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                id = reader.GetString();
            }
            else if (reader.ValueTextEquals("attempt"u8))
            {
                reader.Read();
                span.Attempt = reader.GetInt32();
            }
            else if (reader.ValueTextEquals("worker"u8))
            {
                reader.Read();
                worker = reader.GetString();
            }
            else if (reader.ValueTextEquals("outcome"u8))
            {
                reader.Read();
                span.Outcome = ParseOutcome(ref reader);
            }
            else if (reader.ValueTextEquals("dispatched"u8))
            {
                span.Dispatched = ReadTime(ref reader);
            }
            else if (reader.ValueTextEquals("started"u8))
            {
                span.Started = ReadTime(ref reader);
            }
            else if (reader.ValueTextEquals("ended"u8))
            {
                span.Ended = ReadTime(ref reader);
            }
            else
            {
                return false;
            }

            return true;
        });

        if (!readable)
        {
            id = null;
        }

        if (span.Started >= 0 && span.Ended >= span.Started)
        {
            span.DurationMs = (span.Ended - span.Started) / (double)TimeSpan.TicksPerMillisecond;
        }

        Add(ref span, id, worker);
    });

    private void ReadWorkers(string path) => JsonLines.ForEach(path, line =>
    {
        string? id = null, location = null, end = null;
        int slots = 0, completed = 0;
        long launched = -1, ready = -1, ended = -1;
        bool readable = JsonLines.ReadObject(line, (ref Utf8JsonReader reader) =>
        {
            if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                id = reader.GetString();
            }
            else if (reader.ValueTextEquals("location"u8))
            {
                reader.Read();
                location = reader.GetString();
            }
            else if (reader.ValueTextEquals("slots"u8))
            {
                reader.Read();
                slots = reader.GetInt32();
            }
            else if (reader.ValueTextEquals("launched"u8))
            {
                launched = ReadTime(ref reader);
            }
            else if (reader.ValueTextEquals("ready"u8))
            {
                ready = ReadTime(ref reader);
            }
            else if (reader.ValueTextEquals("ended"u8))
            {
                ended = ReadTime(ref reader);
            }
            else if (reader.ValueTextEquals("completed"u8))
            {
                reader.Read();
                completed = reader.GetInt32();
            }
            else if (reader.ValueTextEquals("end"u8))
            {
                reader.Read();
                end = reader.GetString();
            }
            else
            {
                return false;
            }

            return true;
        });

        if (!readable)
        {
            id = null;
        }

        if (id is null)
        {
            UnreadableLines++;
            return;
        }

        var worker = Workers[WorkerIndex(id)];
        worker.Recorded = true;
        worker.Location = location ?? "";
        worker.Slots = Math.Max(worker.Slots, slots);
        worker.Launched = launched;
        worker.Ready = ready;
        worker.Ended = ended;
        worker.Completed = completed;
        worker.End = end ?? "";
    });

    private void ReadErrors(string path) => JsonLines.ForEach(path, line =>
    {
        try
        {
            using var document = JsonDocument.Parse(line.ToArray());
            var root = document.RootElement;
            string id = root.GetProperty("id").GetString() ?? "";
            bool final = root.TryGetProperty("final", out var f) && f.ValueKind == JsonValueKind.True;
            string status = root.TryGetProperty("status", out var s) ? s.GetString() ?? "failed" : "failed";
            root.TryGetProperty("error", out var error);
            Failures.Add(id, status, final, error);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            UnreadableLines++;
        }
    });

    private static Outcome ParseOutcome(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("succeeded"u8) ? Outcome.Succeeded
        : reader.ValueTextEquals("failed"u8) ? Outcome.Failed
        : reader.ValueTextEquals("timed_out"u8) ? Outcome.TimedOut
        : reader.ValueTextEquals("quarantined"u8) ? Outcome.Quarantined
        : reader.ValueTextEquals("withdrawn"u8) ? Outcome.Withdrawn
        : Outcome.Lost;

    private static long ReadTime(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var at) ? at.UtcTicks : -1;
    }
}
