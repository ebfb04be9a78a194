using System.Buffers.Binary;
using ProtocolLimits = Grid.Protocol.Protocol;

namespace Grid.Bench.Ceiling;

/// <summary>
/// Walks Grid's framing (u32 LE length · u8 kind · payload) over bytes as they arrive, however reads cut them,
/// and counts whole frames. It reads each header and skips each payload: the least a receiver can do.
/// </summary>
internal struct FrameCounter
{
    private long _payloadLeft;
    private int _headerHave;
    private uint _length;

    public long Frames { get; private set; }

    public long Bytes { get; private set; }

    public void Add(ReadOnlySpan<byte> data)
    {
        Bytes += data.Length;
        while (!data.IsEmpty)
        {
            if (_payloadLeft > 0)
            {
                int skip = (int)Math.Min(_payloadLeft, data.Length);
                _payloadLeft -= skip;
                data = data[skip..];
                if (_payloadLeft == 0)
                {
                    Frames++;
                }

                continue;
            }

            // Collect the header, which a read may cut anywhere.
            while (_headerHave < ProtocolLimits.HeaderBytes && !data.IsEmpty)
            {
                if (_headerHave < 4)
                {
                    _length |= (uint)data[0] << (8 * _headerHave);
                }

                _headerHave++;
                data = data[1..];
            }

            if (_headerHave == ProtocolLimits.HeaderBytes)
            {
                _headerHave = 0;
                _payloadLeft = _length;
                _length = 0;
                if (_payloadLeft == 0)
                {
                    Frames++;
                }
            }
        }
    }

    /// <summary>Bytes at the front of <paramref name="data"/> that make whole frames (for an echo that returns whole frames only).</summary>
    public static int WholeFrames(ReadOnlySpan<byte> data, out int nextFrameBytes)
    {
        int position = 0;
        nextFrameBytes = 0;
        while (data.Length - position >= ProtocolLimits.HeaderBytes)
        {
            int frame = ProtocolLimits.HeaderBytes + (int)BinaryPrimitives.ReadUInt32LittleEndian(data[position..]);
            if (data.Length - position < frame)
            {
                nextFrameBytes = frame;
                break;
            }

            position += frame;
        }

        return position;
    }
}
