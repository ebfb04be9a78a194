using Grid.Tool.Diagnostics;
using Grid.Tool.Manifest;

namespace Grid.Tool.Backends;

/// <summary>
/// A local container engine's command line: podman (preferred: daemonless) or docker. Only the commands
/// both share are used: load, tag, pull, image inspect, run, rm.
/// </summary>
public sealed class ContainerRuntime
{
    private ContainerRuntime(string name, string path)
    {
        Name = name;
        Path = path;
    }

    public string Name { get; }

    public string Path { get; }

    /// <summary>The runtime named (podman or docker), or the first of them on PATH.</summary>
    public static ContainerRuntime Find(string? preferred)
    {
        string[] candidates = preferred is null ? ["podman", "docker"] : [preferred];
        foreach (string name in candidates)
        {
            if (FindOnPath(name) is { } path)
            {
                return new ContainerRuntime(name, path);
            }
        }

        throw new GridException(ErrorCodes.ContainerRuntimeMissing, preferred is null
            ? "--container needs podman or docker, and neither is on PATH. Install podman (apt-get install podman runc), or run without --container."
            : $"--container-runtime {preferred}: '{preferred}' is not on PATH.");
    }

    /// <summary>
    /// Makes the manifest's image available to the engine and returns the reference to run: a pushed image by
    /// its digest (the engine pulls it), an archive loaded into the engine's store under a name of our own.
    /// </summary>
    public async Task<string> PrepareImageAsync(GridManifest manifest, CancellationToken cancellationToken)
    {
        if (manifest.Image.Reference is { } reference)
        {
            return reference;
        }

        return await LoadArchiveAsync(manifest, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Loads the manifest's image archive into the engine's store and tags it
    /// <c>localhost/grid/&lt;repository&gt;:&lt;digest prefix&gt;</c>; returns that name.
    /// </summary>
    public async Task<string> LoadArchiveAsync(GridManifest manifest, CancellationToken cancellationToken)
    {
        string archive = manifest.ArchivePath ?? throw new InvalidOperationException("the manifest names no image archive");
        var (exitCode, output) = await RunAsync(["load", "-i", archive], cancellationToken).ConfigureAwait(false);
        if (exitCode != 0)
        {
            throw new GridException(ErrorCodes.ImageLoadFailed, $"{Name} could not load the image archive '{archive}' (exit {exitCode}): {output.Trim()}", ExitCodes.RunAborted);
        }

        // The archive's own name is whatever the SDK wrote; the digest names exactly this image.
        string local = $"localhost/grid/{manifest.Image.Repository}:{manifest.Image.Digest.Replace("sha256:", "", StringComparison.Ordinal)[..16]}";
        string loaded = LoadedName(output) ?? throw new GridException(ErrorCodes.ImageLoadFailed, $"{Name} loaded '{archive}' but did not say what it loaded: {output.Trim()}", ExitCodes.RunAborted);
        (exitCode, output) = await RunAsync(["tag", loaded, local], cancellationToken).ConfigureAwait(false);
        if (exitCode != 0)
        {
            throw new GridException(ErrorCodes.ImageLoadFailed, $"{Name} could not tag the loaded image {loaded} as {local}: {output.Trim()}", ExitCodes.RunAborted);
        }

        return local;
    }

    /// <summary>Whether the engine's store already holds <paramref name="image"/> (a name or a name@digest).</summary>
    public async Task<bool> HasImageAsync(string image, CancellationToken cancellationToken)
    {
        var (exitCode, _) = await RunAsync(["image", "inspect", "--format", "{{.Id}}", image], cancellationToken).ConfigureAwait(false);
        return exitCode == 0;
    }

    /// <summary>Pulls <paramref name="image"/> into the engine's store; the engine's message when it could not.</summary>
    public async Task<string?> PullAsync(string image, CancellationToken cancellationToken)
    {
        var (exitCode, output) = await RunAsync(["pull", image], cancellationToken).ConfigureAwait(false);
        return exitCode == 0 ? null : $"{Name} pull exited {exitCode}: {output.Trim()}";
    }

    public async Task<(int ExitCode, string Output)> RunAsync(IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var (exitCode, output, errors) = await ChildProcess.RunAsync(Path, arguments, cancellationToken).ConfigureAwait(false);
        return (exitCode, output + errors);
    }

    /// <summary>"Loaded image: NAME" (podman, docker) or "Loaded image(s): NAME" (older podman) or "Loaded image ID: sha256:..." (docker).</summary>
    internal static string? LoadedName(string output)
    {
        foreach (string line in output.Split('\n', StringSplitOptions.TrimEntries))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (line.StartsWith("Loaded image", StringComparison.Ordinal) && colon > 0)
            {
                return line[(colon + 1)..].Split(',')[0].Trim();
            }
        }

        return null;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => System.IO.Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);
}
