using System.Collections.Concurrent;
using Grid.Registry;
using Microsoft.Build.Framework;

namespace Grid.Build.Tasks;

/// <summary>
/// Pushes the image archive that <see cref="ReproduceGridImage"/> made reproducible to <c>GridRegistry</c> with Grid's
/// own pusher (Grid.Registry), so that the registry holds exactly the manifest, config and layers of the archive: the
/// digest is the one an archive publish of the same files records. Blobs the registry already holds are not sent.
/// The login comes from <see cref="DockerLoginSource"/> (the .NET SDK's variables, then the Docker config file);
/// a failed push is an error with the pusher's code (GRID7101–GRID7108), a login that cannot be read GRID3001.
/// </summary>
public sealed class PushGridImage : Microsoft.Build.Utilities.Task, ICancelableTask, IDisposable
{
    private readonly CancellationTokenSource _cancel = new();

    public PushGridImage()
        : base(Strings.ResourceManager)
    {
    }

    /// <summary>The OCI archive to push.</summary>
    [Required]
    public string ArchivePath { get; set; } = "";

    /// <summary>host[:port]; a loopback registry is spoken to over plain HTTP, any other over HTTPS.</summary>
    [Required]
    public string Registry { get; set; } = "";

    [Required]
    public string Repository { get; set; } = "";

    [Required]
    public string Tag { get; set; } = "";

    /// <summary>The manifest digest the registry confirmed.</summary>
    [Output]
    public string Digest { get; private set; } = "";

    /// <summary>Where the login comes from; tests give their own.</summary>
    internal IRegistryLoginSource Logins { get; set; } = DockerLoginSource.FromProcess();

    /// <summary>How the pusher talks to the registry; tests shorten the retries.</summary>
    internal RegistryClientOptions? ClientOptions { get; set; }

    public void Cancel() => _cancel.Cancel();

    public void Dispose() => _cancel.Dispose();

    public override bool Execute()
    {
        string target = $"{Registry}/{Repository}:{Tag}";
        RegistryLogin? login;
        try
        {
            login = Logins.Find(Registry);
        }
        catch (RegistryLoginException e)
        {
            Log.LogErrorWithCodeFromResources("RegistryLoginUnreadable", Registry, e.Where, e.Message);
            return false;
        }

        Log.LogMessage(MessageImportance.Normal, $"Pushing {ArchivePath} to {target} ({(login is null ? "no login" : "login from " + login.Source)}).");
        var reports = new ConcurrentQueue<PushProgress>();
        try
        {
            using var pusher = new ImagePusher(ClientOptions);
            var result = pusher.PushAsync(
                    ImageSource.FromArchive(ArchivePath),
                    new RegistryTarget(Registry, Repository, Tag, login?.Credentials),
                    new Reports(reports),
                    _cancel.Token)
                .GetAwaiter().GetResult();
            Digest = result.Digest;
            LogReports(reports);
            Log.LogMessage(MessageImportance.Normal,
                $"Pushed {result.Reference}: {result.BlobsUploaded} blob(s) uploaded ({result.BytesUploaded} bytes), {result.BlobsSkipped} already there.");
            return true;
        }
        catch (RegistryException e)
        {
            LogReports(reports);
            Log.LogError(null, e.Code, null, null, 0, 0, 0, 0, $"Pushing the image to {target} failed: {e.Message}");
            return false;
        }
        catch (OperationCanceledException) when (_cancel.IsCancellationRequested)
        {
            return false;
        }
    }

    // The pusher reports from its upload threads; the log is written here, on the task's own thread.
    private void LogReports(ConcurrentQueue<PushProgress> reports)
    {
        while (reports.TryDequeue(out var report))
        {
            if (report.Stage != PushStage.Uploading)
            {
                Log.LogMessage(MessageImportance.Low, $"{report.Stage} {report.Digest} ({report.BytesTotal} bytes)");
            }
        }
    }

    // Progress<T> would post to a SynchronizationContext; the reports are only queued.
    private sealed class Reports(ConcurrentQueue<PushProgress> queue) : IProgress<PushProgress>
    {
        public void Report(PushProgress value) => queue.Enqueue(value);
    }
}
