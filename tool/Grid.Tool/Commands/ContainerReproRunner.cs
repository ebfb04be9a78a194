using System.Diagnostics;
using System.Text.RegularExpressions;
using Grid.Tool.Backends;
using Grid.Tool.Diagnostics;
using Grid.Tool.Manifest;
using Grid.Tool.Output;

namespace Grid.Tool.Commands;

/// <summary>
/// The job's inline mode in a container of the run's image, as its workers ran it:
/// <c>podman run --rm --network=none -v FILE:/grid/input.json:ro IMAGE --input @/grid/input.json [--timeout seconds]</c>.
/// The image's own entrypoint runs; the input is the only thing from this machine the container sees.
/// </summary>
public sealed partial class ContainerReproRunner : IReproRunner
{
    /// <summary>Where the input file appears inside the container.</summary>
    public const string InputPath = "/grid/input.json";

    private readonly ContainerRuntime _runtime;
    private readonly string _image;
    private readonly string _runId;
    private readonly string _name;

    public ContainerReproRunner(ContainerRuntime runtime, string image, string runId)
    {
        _runtime = runtime;
        _image = image;
        _runId = runId;
        _name = $"grid-repro-{runId}-{Guid.NewGuid().ToString("N")[..8]}".ToLowerInvariant();
    }

    /// <summary>
    /// Finds the run's image and makes it available to the engine: the image run.json names when the engine holds
    /// it; a registry reference pulled; else the image archive of the run's grid.json loaded, which is also the way
    /// back when a cloud run's registry cannot be reached or logged in to.
    /// </summary>
    public static async Task<ContainerReproRunner> PrepareAsync(RunEntry run, ContainerRuntime runtime, TextWriter progress, CancellationToken cancellationToken)
    {
        string image;
        try
        {
            image = await ResolveImageAsync(run, runtime, progress, cancellationToken).ConfigureAwait(false);
        }
        catch (GridException e) when (e.ExitCode != ExitCodes.Usage)
        {
            // Nothing was run: for repro, every GRID error is exit code 2.
            throw new GridException(e.Code, e.Message);
        }

        return new ContainerReproRunner(runtime, image, run.RunId);
    }

    public string Describe(string inputFile, double? timeoutSeconds) =>
        $"{_runtime.Name} {string.Join(' ', Arguments(inputFile, timeoutSeconds))}";

    public async Task<int> RunAsync(string inputFile, double? timeoutSeconds, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(_runtime.Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in Arguments(inputFile, timeoutSeconds))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new GridException(ErrorCodes.ContainerRuntimeMissing, $"could not start '{_runtime.Path}'.");

        // Killing the client alone would leave the container running under the engine's monitor.
        int exit = await StreamedProcess.WaitAsync(process, stdout, stderr, async () =>
        {
            await _runtime.RunAsync(["rm", "-f", "-t", "0", _name], CancellationToken.None).ConfigureAwait(false);
            process.Kill(entireProcessTree: true);
        }, cancellationToken).ConfigureAwait(false);

        // 125–127 are the engine's own: the handler never ran.
        return exit is 125 or 126 or 127
            ? throw new GridException(ErrorCodes.ContainerNotStarted, $"{_runtime.Name} could not run a container of {_image} (exit {exit}); its message is above. Check that the engine works (`{_runtime.Name} run --rm {_image} --help`), or repro with --inline.")
            : exit;
    }

    private IEnumerable<string> Arguments(string inputFile, double? timeoutSeconds) =>
    [
        "run", "--rm", "--network=none", "--name", _name, "--label", $"grid.repro={_runId}",
        "-v", $"{inputFile}:{InputPath}:ro",
        _image, .. InlineProcessRunner.InlineArguments(InputPath, timeoutSeconds),
    ];

    private static async Task<string> ResolveImageAsync(RunEntry run, ContainerRuntime runtime, TextWriter progress, CancellationToken cancellationToken)
    {
        var manifest = run.Manifest is { } path && File.Exists(path) ? GridManifest.Read(path, RunHandler.ToolVersion) : null;
        string? image = run.Image ?? manifest?.Image.Reference;
        if (image is not null && await runtime.HasImageAsync(image, cancellationToken).ConfigureAwait(false))
        {
            return image;
        }

        // A reference by digest was pushed to a registry (ECR for a cloud run); a local name exists only in an engine's store.
        string? pullFailure = null;
        if (image is not null && image.Contains('@', StringComparison.Ordinal))
        {
            progress.WriteLine($"Pulling {image}...");
            pullFailure = await runtime.PullAsync(image, cancellationToken).ConfigureAwait(false);
            if (pullFailure is null)
            {
                return image;
            }
        }

        if (manifest?.ArchivePath is { } archive && File.Exists(archive))
        {
            if (image is not null && !Names(image, manifest.Image.Digest))
            {
                progress.WriteLine($"note: {run.Manifest} was published again since the run: its image is {manifest.Image.Digest}, not the run's {image}.");
            }

            progress.WriteLine(pullFailure is null
                ? $"Loading the run's image from {archive}..."
                : $"Could not pull {image} ({LastLine(pullFailure)}); loading the published image archive {archive} instead.");
            return await runtime.LoadArchiveAsync(manifest, cancellationToken).ConfigureAwait(false);
        }

        if (pullFailure is not null)
        {
            string noArchive = manifest is null
                ? $"its grid.json ({run.Manifest ?? "none in run.json"}), whose image archive could stand in, is gone"
                : $"its grid.json ({run.Manifest}) names no image archive to load instead";
            throw new GridException(ErrorCodes.RunImageNotPulled, $"run '{run.RunId}' ran the image {image}, which {runtime.Name} could not pull ({LastLine(pullFailure)}), and {noArchive}. {LoginHint(runtime.Name, image!)}, then repro again.");
        }

        throw new GridException(ErrorCodes.RunImageGone, image is null
            ? $"{run.Folder.RunJson} names neither the image nor the grid.json of run '{run.RunId}'. Repro with --inline to run the job built on this machine."
            : $"run '{run.RunId}' ran the image {image}, which {runtime.Name} no longer holds, and its archive is gone ({run.Manifest ?? "run.json names no grid.json"}). Publish the job again (`dotnet publish -p:PublishGrid=true`: the same code gives the same image), or repro with --inline.");
    }

    /// <summary>
    /// Whether <paramref name="image"/> may be the image of <paramref name="digest"/>: false only when its digest, or
    /// the digest prefix of a local tag made by <see cref="ContainerRuntime.LoadArchiveAsync"/>, says another image.
    /// </summary>
    internal static bool Names(string image, string digest)
    {
        int at = image.LastIndexOf('@');
        if (at >= 0)
        {
            return image[(at + 1)..] == digest;
        }

        int colon = image.LastIndexOf(':');
        string tag = colon > image.LastIndexOf('/') ? image[(colon + 1)..] : "";
        bool isDigestPrefix = tag.Length == 16 && tag.All(char.IsAsciiHexDigitLower);
        return !isDigestPrefix || digest.StartsWith("sha256:" + tag, StringComparison.Ordinal);
    }

    /// <summary>How to log in to the registry of <paramref name="image"/>: ECR's token through the AWS CLI, or the engine's own login.</summary>
    internal static string LoginHint(string runtime, string image)
    {
        int slash = image.IndexOf('/', StringComparison.Ordinal);
        string host = slash > 0 ? image[..slash] : image;
        var ecr = EcrHost().Match(host);
        return ecr.Success
            ? $"Log in to ECR with `aws ecr get-login-password --region {ecr.Groups["region"].Value} | {runtime} login --username AWS --password-stdin {host}`"
            : $"Log in to its registry with `{runtime} login {host}`";
    }

    /// <summary>An engine's last line is its error; the lines before say what it tried.</summary>
    private static string LastLine(string text)
    {
        string line = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? text;
        return line.Length > 300 ? line[..300] + "…" : line;
    }

    [GeneratedRegex(@"^\d{12}\.dkr\.ecr(-fips)?\.(?<region>[a-z0-9-]+)\.amazonaws\.com(\.cn)?$")]
    private static partial Regex EcrHost();
}
