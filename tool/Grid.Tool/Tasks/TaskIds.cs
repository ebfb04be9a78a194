using System.Text;
using Grid.Tool.Diagnostics;

namespace Grid.Tool.Tasks;

/// <summary>What a task id and input may be.</summary>
public static class TaskIds
{
    /// <summary>An input must fit in one Task frame with its id and fixed fields.</summary>
    public const int MaxInputBytes = Grid.Protocol.Protocol.MaxPayloadBytes - Grid.Protocol.Protocol.MaxTaskIdBytes - 64;

    /// <summary>Fails with GRID5005 for an id that is empty, too long, or holds control characters.</summary>
    public static void Validate(string id, string where)
    {
        if (id.Length == 0)
        {
            throw new GridException(ErrorCodes.BadTaskId, $"{where}: the task id is empty. Give the task a non-empty \"id\".");
        }

        int bytes = Encoding.UTF8.GetByteCount(id);
        if (bytes > Grid.Protocol.Protocol.MaxTaskIdBytes)
        {
            throw new GridException(ErrorCodes.BadTaskId, $"{where}: the task id is {bytes} bytes long; the limit is {Grid.Protocol.Protocol.MaxTaskIdBytes}.");
        }

        foreach (char c in id)
        {
            if (char.IsControl(c))
            {
                throw new GridException(ErrorCodes.BadTaskId, $"{where}: the task id '{id.Replace("\n", "\\n", StringComparison.Ordinal)}' holds a control character. Use printable characters only.");
            }
        }
    }
}
