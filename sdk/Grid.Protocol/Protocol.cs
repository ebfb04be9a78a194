namespace Grid.Protocol;

// The conversation, over one duplex byte stream (a child's stdin/stdout, or a TLS socket):
//
//   worker → head   Hello      versions it speaks, slots, identity, token
//   head   → worker Welcome    the version chosen, heartbeat interval, lease, names
//   head   → worker Task*      many in flight per worker (slots × prefetch), never waiting on a round trip
//   worker → head   Started    a slot took the task: its timeout starts now
//   worker → head   Log*       what the handler printed, tagged with the task
//   worker → head   Result     output (JSON) or error; the head commits the first result of the current attempt
//   head   → worker Ack        results committed to the journal; the worker re-sends any left unacknowledged
//   either          Heartbeat  every HeartbeatInterval; silence past the lease means the peer is lost
//   head   → worker Cancel     the task's deadline passed (or it was withdrawn)
//   worker → head   Drain      the machine is going away (spot notice): send nothing new
//   head   → worker Shutdown   no more tasks: finish what you have and exit
//   either          Goodbye    a protocol error (a GRID6xxx code) just before closing
//
// Every frame: u32 payload length (little-endian) · u8 kind · payload. docs/protocol.md is the full spec.

/// <summary>Constants of the wire protocol: versions and hard limits.</summary>
public static class Protocol
{
    /// <summary>The only version this build speaks. A peer whose range excludes it is refused (GRID6005).</summary>
    public const ushort Version = 1;

    /// <summary>Bytes before every payload: u32 length + u8 kind.</summary>
    public const int HeaderBytes = 5;

    /// <summary>Hard maximum payload of one frame. A longer length field is a protocol error (GRID6001);
    /// task inputs over this are refused when the tasks are loaded.</summary>
    public const int MaxPayloadBytes = 16 * 1024 * 1024;

    /// <summary>Maximum UTF-8 bytes of a string field (task id, names, messages) inside a payload.</summary>
    public const int MaxStringBytes = ushort.MaxValue;

    /// <summary>Maximum UTF-8 bytes of a task id.</summary>
    public const int MaxTaskIdBytes = 1024;

    /// <summary>Text of one log frame is cut at this size; longer output becomes several frames.</summary>
    public const int MaxLogChunkBytes = 64 * 1024;

    /// <summary>Default interval between heartbeats, both ways.</summary>
    public static readonly TimeSpan DefaultHeartbeatInterval = TimeSpan.FromSeconds(1);

    /// <summary>A result unacknowledged this long after it was sent is sent again.</summary>
    public static readonly TimeSpan ResultResendInterval = TimeSpan.FromSeconds(3);

    /// <summary>Default lease: a peer silent for this long is lost.</summary>
    public static readonly TimeSpan DefaultLease = TimeSpan.FromSeconds(15);
}
