using System.Text.Json;

namespace Grid.Tool.Output;

/// <summary>What a run's files hold so far: results by status, ended attempts and workers. Live runs are counted this way.</summary>
public sealed record RunProgress
{
    /// <summary>Tasks that ended: lines of results.jsonl.</summary>
    public int Ended { get; init; }

    public int Succeeded { get; init; }

    public int Failed { get; init; }

    public int TimedOut { get; init; }

    public int Quarantined { get; init; }

    /// <summary>Attempts that did not end their task (retried or lost): lines of attempts.jsonl.</summary>
    public int EarlierAttempts { get; init; }

    /// <summary>Workers that have ended: lines of workers.jsonl.</summary>
    public int WorkersEnded { get; init; }

    /// <summary>When the last task ended, if any has.</summary>
    public DateTimeOffset? LastEnded { get; init; }

    public static RunProgress Count(RunFolder folder)
    {
        int succeeded = 0, failed = 0, timedOut = 0, quarantined = 0;
        DateTime lastEnded = default;
        int ended = JsonLines.ForEach(folder.Results, line =>
        {
            var reader = new Utf8JsonReader(line);
            try
            {
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                {
                    return;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("status"u8))
                    {
                        reader.Read();
                        if (reader.ValueTextEquals("succeeded"u8))
                        {
                            succeeded++;
                        }
                        else if (reader.ValueTextEquals("failed"u8))
                        {
                            failed++;
                        }
                        else if (reader.ValueTextEquals("timed_out"u8))
                        {
                            timedOut++;
                        }
                        else if (reader.ValueTextEquals("quarantined"u8))
                        {
                            quarantined++;
                        }
                    }
                    else if (reader.ValueTextEquals("ended"u8))
                    {
                        reader.Read();
                        if (reader.TokenType == JsonTokenType.String && reader.TryGetDateTime(out var at) && at > lastEnded)
                        {
                            lastEnded = at;
                        }
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }
            }
            catch (JsonException)
            {
                // A line that is not a record is not counted by status; the report says how many there were.
            }
        });

        return new RunProgress
        {
            Ended = ended,
            Succeeded = succeeded,
            Failed = failed,
            TimedOut = timedOut,
            Quarantined = quarantined,
            EarlierAttempts = JsonLines.ForEach(folder.Attempts, _ => { }),
            WorkersEnded = JsonLines.ForEach(folder.Workers, _ => { }),
            LastEnded = lastEnded == default ? null : new DateTimeOffset(DateTime.SpecifyKind(lastEnded, DateTimeKind.Utc)),
        };
    }
}
