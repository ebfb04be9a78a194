namespace Grid.Tool.Head;

/// <summary>
/// The head's record of every task, as parallel arrays indexed by task number so a million tasks cost a few
/// bytes each. Owned by the scheduler loop alone: no locks.
/// </summary>
internal sealed class TaskTable
{
    public TaskTable(int count)
    {
        State = new TaskState[count];
        Attempt = new ushort[count];
        ApplicationFailures = new byte[count];
        WorkerDeaths = new byte[count];
        Worker = new int[count];
        DispatchedAt = new long[count];
        DispatchOrder = new long[count];
        StartedAt = new long[count];
        CancelSent = new bool[count];
        Array.Fill(Worker, -1);
    }

    public int Count => State.Length;

    public TaskState[] State { get; }

    /// <summary>The number of the current (or last) attempt; 0 before the first dispatch.</summary>
    public ushort[] Attempt { get; }

    /// <summary>Attempts that ended with the handler failing or timing out: the application retry budget.</summary>
    public byte[] ApplicationFailures { get; }

    /// <summary>Workers that died while running this task: the poison count.</summary>
    public byte[] WorkerDeaths { get; }

    /// <summary>Index of the worker holding the current attempt, -1 when none.</summary>
    public int[] Worker { get; }

    public long[] DispatchedAt { get; }

    public long[] StartedAt { get; }

    /// <summary>A run-wide sequence number of the current attempt's dispatch: workers start tasks in this order.</summary>
    public long[] DispatchOrder { get; }

    /// <summary>A Cancel was sent for the current attempt because it passed its timeout.</summary>
    public bool[] CancelSent { get; }
}
