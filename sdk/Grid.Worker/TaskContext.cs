namespace Grid;

/// <summary>What a handler knows about the attempt it is running.</summary>
public sealed class TaskContext
{
    private readonly ILogTarget _logTarget;
    private TaskLogger? _log;
    private string? _scratchDirectory;

    internal TaskContext(string taskId, int attempt, string workerId, ILogTarget logTarget, CancellationToken cancellationToken)
    {
        TaskId = taskId;
        Attempt = attempt;
        WorkerId = workerId;
        CancellationToken = cancellationToken;
        _logTarget = logTarget;
    }

    /// <summary>The task's id, as given in the tasks file.</summary>
    public string TaskId { get; }

    /// <summary>1 for the first attempt; higher when the task is retried.</summary>
    public int Attempt { get; }

    /// <summary>The head's name for this worker ("inline" when run with <c>--input</c>).</summary>
    public string WorkerId { get; }

    /// <summary>Cancelled when the attempt's timeout passes, the head withdraws it, or the worker stops.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>Log lines tagged with this attempt.</summary>
    public TaskLogger Log => _log ??= new TaskLogger(_logTarget);

    /// <summary>
    /// A folder of this attempt's own, created on first use and deleted with everything in it when the
    /// attempt ends.
    /// </summary>
    public string ScratchDirectory
    {
        get
        {
            if (_scratchDirectory is null)
            {
                var created = Directory.CreateTempSubdirectory("grid-task-").FullName;
                if (Interlocked.CompareExchange(ref _scratchDirectory, created, null) is not null)
                {
                    // Another thread of the handler got there first; keep one folder.
                    Directory.Delete(created);
                }
            }

            return _scratchDirectory!;
        }
    }

    /// <summary>Removes the scratch folder, if it was made. A file still open keeps its folder; that is not an error of the task.</summary>
    internal void DeleteScratchDirectory()
    {
        var path = Interlocked.Exchange(ref _scratchDirectory, null);
        if (path is null)
        {
            return;
        }

        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
