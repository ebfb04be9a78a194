using Grid.Tool.Diagnostics;
using Microsoft.Extensions.FileSystemGlobbing;

namespace Grid.Tool.Tasks;

/// <summary>
/// Makes one task per file matching a glob such as <c>data/**/*.json</c>. The task id is the file's path
/// relative to the glob's fixed prefix (with '/' separators); the input is the file's bytes.
/// </summary>
public static class InputGlobLoader
{
    public static FileTaskList Load(string pattern, string workingDirectory)
    {
        var (baseDirectory, relativePattern) = Split(pattern, workingDirectory);
        if (!Directory.Exists(baseDirectory))
        {
            throw new GridException(ErrorCodes.NoTasks, $"--inputs '{pattern}': the folder '{baseDirectory}' does not exist.");
        }

        var matcher = new Matcher(StringComparison.Ordinal);
        matcher.AddInclude(relativePattern);
        var files = matcher.GetResultsInFullPath(baseDirectory).Order(StringComparer.Ordinal).ToArray();
        if (files.Length == 0)
        {
            throw new GridException(ErrorCodes.NoTasks, $"--inputs '{pattern}' matches no files under '{baseDirectory}'.");
        }

        var ids = new string[files.Length];
        for (int i = 0; i < files.Length; i++)
        {
            ids[i] = Path.GetRelativePath(baseDirectory, files[i]).Replace('\\', '/');
            TaskIds.Validate(ids[i], files[i]);
            long length = new FileInfo(files[i]).Length;
            if (length > TaskIds.MaxInputBytes)
            {
                throw new GridException(ErrorCodes.InputTooLarge, $"{files[i]}: the file is {length:N0} bytes; a task input is at most {TaskIds.MaxInputBytes:N0}. Pass large files by reference (their path or URL in a tasks file).");
            }
        }

        return new FileTaskList(pattern, ids, files);
    }

    /// <summary>Splits "data/in/**/*.json" into the folder "data/in" and the pattern "**/*.json".</summary>
    internal static (string BaseDirectory, string Pattern) Split(string pattern, string workingDirectory)
    {
        var parts = pattern.Replace('\\', '/').Split('/');
        int fixedParts = 0;
        while (fixedParts < parts.Length - 1 && parts[fixedParts].IndexOfAny(['*', '?', '[', '{']) < 0)
        {
            fixedParts++;
        }

        string prefix = string.Join('/', parts[..fixedParts]);
        if (pattern.StartsWith('/') && prefix.Length == 0)
        {
            prefix = "/";
        }

        string baseDirectory = Path.GetFullPath(prefix.Length == 0 ? "." : prefix, workingDirectory);
        return (baseDirectory, string.Join('/', parts[fixedParts..]));
    }
}
