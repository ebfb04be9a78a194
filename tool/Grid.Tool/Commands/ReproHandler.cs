using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Grid.Tool.Backends;
using Grid.Tool.Build;
using Grid.Tool.Diagnostics;
using Grid.Tool.Output;
using Grid.Tool.Tasks;

namespace Grid.Tool.Commands;

/// <summary>
/// Re-runs one task of a run: finds its input the way the run did (the tasks file through
/// <see cref="TaskFileLoader"/>, so ids are derived the same way, or the glob's file), and hands it to an
/// <see cref="IReproRunner"/>: the run's container image for a container or cloud run, the job's built assembly
/// otherwise. Exit code 0 when the task succeeds here, 1 when it fails, 2 for a GRID error.
/// </summary>
public sealed class ReproHandler(CommandContext context)
{
    /// <summary>
    /// Where the task runs, given the run and its working folder. Null: decided by <see cref="ReproOptions.Container"/>
    /// or, without it, by the run's backend (<see cref="InlineProcessRunner"/> or <see cref="ContainerReproRunner"/>).
    /// </summary>
    public Func<RunEntry, string, IReproRunner>? RunnerFactory { get; init; }

    /// <summary>The backends whose workers ran the job's image: a local container run and the cloud targets.</summary>
    public static bool RanInContainers(string backend) => backend == "container" || backend.StartsWith("aws-", StringComparison.Ordinal);

    public async Task<int> RunAsync(ReproOptions options, CancellationToken cancellationToken)
    {
        if (options.BothModesGiven)
        {
            throw new GridException(ErrorCodes.BadOption, "--container and --inline ask for two different places to run the task; give one of them.");
        }

        var run = RunCatalog.Find(options.WorkingDirectory, options.RunId);
        var input = FindInput(run, options.TaskId);
        string workingDirectory = run.WorkingDirectory is { } wd && Directory.Exists(wd) ? wd : options.WorkingDirectory;
        var runner = RunnerFactory?.Invoke(run, workingDirectory)
            ?? (options.Container ?? RanInContainers(run.Backend)
                ? await ContainerReproRunner.PrepareAsync(run, ContainerRuntime.Find(options.ContainerRuntime), context.Error, cancellationToken).ConfigureAwait(false)
                : new InlineProcessRunner(BuiltAssembly(run), workingDirectory));
        string file = Path.Combine(Path.GetTempPath(), $"grid-repro-{Environment.ProcessId}-{Guid.NewGuid():N}.json");
        await File.WriteAllBytesAsync(file, input, cancellationToken).ConfigureAwait(false);
        if (!OperatingSystem.IsWindows())
        {
            // A container's user (the image's, not ours) reads the file through its bind mount.
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        try
        {
            var before = EndedAs(run.Folder, options.TaskId);
            context.Error.WriteLine($"Reproducing task '{options.TaskId}' of run {run.RunId}{(before is null ? "" : $" (in the run: {before})")}: {runner.Describe(file, run.TimeoutSeconds)}");
            int exit = await runner.RunAsync(file, run.TimeoutSeconds, context.Out, context.Error, cancellationToken).ConfigureAwait(false);
            bool succeeded = exit == 0;
            context.Error.WriteLine(succeeded
                ? $"Task '{options.TaskId}' succeeded."
                : $"Task '{options.TaskId}' failed (the job exited with code {exit}).");
            return succeeded ? ExitCodes.Success : ExitCodes.TasksFailed;
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>
    /// The job's assembly to run here: the one a process run built, or for a run of the job's image the one
    /// published beside its grid.json (publish/grid/grid.json, publish/Job.dll).
    /// </summary>
    private static string BuiltAssembly(RunEntry run)
    {
        if (run.Assembly is { } built && File.Exists(built))
        {
            return built;
        }

        if (RanInContainers(run.Backend))
        {
            string? published = run.Manifest is { } manifest && run.Assembly is { } name
                ? Path.GetFullPath(Path.Combine(Path.GetDirectoryName(manifest)!, "..", Path.GetFileName(name)))
                : null;
            return published is not null && File.Exists(published)
                ? published
                : throw new GridException(ErrorCodes.JobNotBuilt, $"run '{run.RunId}' ran the job's image ({run.Backend}); --inline runs the job's assembly published beside its grid.json, and '{published ?? run.Assembly}' does not exist. Publish the job again (`dotnet publish -p:PublishGrid=true`), or repro without --inline to run the image.");
        }

        throw new GridException(ErrorCodes.JobNotBuilt, $"run '{run.RunId}' ran the job built at '{run.Assembly}', which no longer exists. Build the job again (`dotnet build -c Release` in its project folder), then repro.");
    }

    /// <summary>The task's input bytes, read the way the run read them.</summary>
    internal static byte[] FindInput(RunEntry run, string taskId)
    {
        string workingDirectory = run.WorkingDirectory ?? Environment.CurrentDirectory;
        if (run.Tasks is not { } source)
        {
            throw new GridException(ErrorCodes.RunFolderUnreadable, $"{run.Folder.RunJson} does not say where the run's tasks came from (\"tasks\").");
        }

        TaskList tasks = run.TasksKind == "glob"
            ? InputGlobLoader.Load(source, workingDirectory)
            : TaskFileLoader.Load(Path.GetFullPath(source, workingDirectory));
        for (int i = 0; i < tasks.Count; i++)
        {
            if (tasks.IdOf(i) == taskId)
            {
                return tasks.InputOf(i).ToArray();
            }
        }

        throw new GridException(ErrorCodes.TaskNotInRun, $"run '{run.RunId}' has no task '{taskId}' in its tasks ({source}). Task ids are the \"id\" field, or the line number of a line without one; results.jsonl lists them.");
    }

    /// <summary>How the task ended in the run, from results.jsonl, for the reader to compare.</summary>
    private static string? EndedAs(RunFolder folder, string taskId)
    {
        string? ended = null;
        JsonLines.ForEach(folder.Results, line =>
        {
            if (ended is not null)
            {
                return;
            }

            try
            {
                using var document = JsonDocument.Parse(line.ToArray());
                var root = document.RootElement;
                if (root.TryGetProperty("id", out var id) && id.ValueEquals(taskId))
                {
                    string status = root.TryGetProperty("status", out var s) ? s.GetString() ?? "" : "";
                    string attempts = root.TryGetProperty("attempts", out var a) ? a.GetRawText() : "?";
                    string error = root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.Object && e.TryGetProperty("type", out var type)
                        ? $": {type.GetString()}" + (e.TryGetProperty("message", out var message) ? $": {message.GetString()}" : "")
                        : "";
                    ended = $"{status} after {attempts} attempt{(attempts == "1" ? "" : "s")}{error}";
                }
            }
            catch (JsonException)
            {
            }
        });
        return ended;
    }
}

/// <summary>Runs a task's input through the job somewhere, streaming its stdout and stderr; returns its exit code.</summary>
public interface IReproRunner
{
    /// <summary>The command it will run, for the reader.</summary>
    string Describe(string inputFile, double? timeoutSeconds);

    Task<int> RunAsync(string inputFile, double? timeoutSeconds, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken);
}

/// <summary>The job's inline mode on this machine: <c>dotnet job.dll --input @file [--timeout seconds]</c>.</summary>
public sealed class InlineProcessRunner(string assembly, string workingDirectory) : IReproRunner
{
    public string Describe(string inputFile, double? timeoutSeconds) =>
        $"{JobProject.DotnetHost} {string.Join(' ', Arguments(inputFile, timeoutSeconds))}";

    public async Task<int> RunAsync(string inputFile, double? timeoutSeconds, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(JobProject.DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (string argument in Arguments(inputFile, timeoutSeconds))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start) ?? throw new GridException(ErrorCodes.JobNotBuilt, $"could not start '{JobProject.DotnetHost}'.");
        return await StreamedProcess.WaitAsync(process, stdout, stderr, () =>
        {
            process.Kill(entireProcessTree: true);
            return Task.CompletedTask;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The job's inline-mode arguments, as the run's own timeout asks: <c>--input @file [--timeout seconds]</c>.</summary>
    internal static IEnumerable<string> InlineArguments(string inputPath, double? timeoutSeconds)
    {
        yield return "--input";
        yield return "@" + inputPath;
        if (timeoutSeconds is { } seconds)
        {
            yield return "--timeout";
            yield return seconds.ToString("0.###", CultureInfo.InvariantCulture);
        }
    }

    private IEnumerable<string> Arguments(string inputFile, double? timeoutSeconds) => [assembly, .. InlineArguments(inputFile, timeoutSeconds)];
}

/// <summary>A repro's child process: its stdout and stderr streamed as they come, so a long task's log shows while it runs.</summary>
internal static class StreamedProcess
{
    /// <summary>Waits for <paramref name="process"/> to exit, copying its output; on cancellation awaits <paramref name="stop"/> and rethrows.</summary>
    public static async Task<int> WaitAsync(Process process, TextWriter stdout, TextWriter stderr, Func<Task> stop, CancellationToken cancellationToken)
    {
        var copyOut = Copy(process.StandardOutput, stdout);
        var copyError = Copy(process.StandardError, stderr);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await stop().ConfigureAwait(false);
            throw;
        }

        await Task.WhenAll(copyOut, copyError).ConfigureAwait(false);
        return process.ExitCode;
    }

    private static async Task Copy(StreamReader from, TextWriter to)
    {
        char[] buffer = new char[16 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            lock (to)
            {
                to.Write(buffer, 0, read);
                to.Flush();
            }
        }
    }
}
