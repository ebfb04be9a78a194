namespace Grid.Protocol;

/// <summary>The type byte of a frame. Values are wire format: never renumber.</summary>
public enum FrameKind : byte
{
    /// <summary>worker → head: first frame; versions, slots, identity.</summary>
    Hello = 0x01,

    /// <summary>head → worker: answer to Hello; the chosen version and timings.</summary>
    Welcome = 0x02,

    /// <summary>head → worker: run one attempt of a task.</summary>
    Task = 0x10,

    /// <summary>head → worker: stop an attempt (deadline passed or withdrawn).</summary>
    Cancel = 0x11,

    /// <summary>worker → head: a slot began the attempt.</summary>
    Started = 0x12,

    /// <summary>worker → head: the attempt ended with an output or an error.</summary>
    Result = 0x13,

    /// <summary>head → worker: these results are committed; stop re-sending them.</summary>
    Ack = 0x14,

    /// <summary>worker → head: text the handler (or the worker) wrote.</summary>
    Log = 0x20,

    /// <summary>either way: I am alive.</summary>
    Heartbeat = 0x30,

    /// <summary>worker → head: the machine is going away; requeue what I hold.</summary>
    Drain = 0x31,

    /// <summary>head → worker: no more tasks; finish and exit.</summary>
    Shutdown = 0x32,

    /// <summary>either way: a protocol error, sent just before closing.</summary>
    Goodbye = 0x3F,
}

/// <summary>Helpers for <see cref="FrameKind"/>.</summary>
public static class FrameKinds
{
    /// <summary>True for the kinds this version defines.</summary>
    public static bool IsDefined(byte kind) => kind switch
    {
        0x01 or 0x02 or 0x10 or 0x11 or 0x12 or 0x13 or 0x14 or 0x20 or 0x30 or 0x31 or 0x32 or 0x3F => true,
        _ => false,
    };
}
