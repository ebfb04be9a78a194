using Grid.Tool.Backends;
using Grid.Tool.Commands;
using Grid.Tool.Output;

namespace Grid.Tool.Tests;

/// <summary>Runs `dotnet grid` in-process in a fresh folder, capturing what it writes.</summary>
public sealed class ToolRun : IDisposable
{
    private readonly StringWriter _out = new();
    private readonly StringWriter _error = new();

    public ToolRun()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("grid-test-").FullName;
    }

    public string Directory { get; }

    public string Out => _out.ToString();

    public string Error => _error.ToString();

    public CommandContext Context => new(_out, _error, Directory, TimeProvider.System, ErrorIsTerminal: false);

    public string RunFolder(string runId) => Path.Combine(Directory, "grid-runs", runId);

    /// <summary>`dotnet grid run --local` against the built test job, with the given extra arguments.</summary>
    public Task<int> RunAsync(params string[] arguments) =>
        GridCli.InvokeAsync(["run", "--local", "--project", TestJob.ProjectDirectory, "--no-build", "-c", TestJob.Configuration, .. arguments], Context);

    /// <summary>The same run through the handler, with a launcher made by the test.</summary>
    public Task<int> RunWithLauncherAsync(Func<string, RunFolder, RecorderHandle, IWorkerLauncher> launcher, RunOptions options) =>
        new RunHandler(Context) { LauncherFactory = launcher }.RunAsync(options with { WorkingDirectory = Directory, Project = TestJob.ProjectDirectory, NoBuild = true, Configuration = TestJob.Configuration }, CancellationToken.None);

    /// <summary>A launcher of real test-job worker processes, as the tool makes them.</summary>
    public static LocalProcessLauncher Workers(string assembly, RecorderHandle recorder, int slots = 1) =>
        new(Build.JobProject.DotnetHost, [assembly, "--grid-worker", "--grid-slots", slots.ToString(System.Globalization.CultureInfo.InvariantCulture)], new Dictionary<string, string>(), recorder.WorkerStderr);

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
