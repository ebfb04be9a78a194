using System.Diagnostics;
using System.Runtime.InteropServices;
using Grid.Tool.Diagnostics;

namespace Grid.Tool.Build;

/// <summary>Finds the job's project the way <c>dotnet run</c> does, builds it, and says how to start its workers.</summary>
public static class JobProject
{
    private static readonly string[] ProjectExtensions = [".csproj", ".fsproj", ".vbproj"];

    /// <summary>The project file named by <paramref name="project"/> (a file or a folder), or the only one in the working folder.</summary>
    public static string Resolve(string? project, string workingDirectory)
    {
        string path = Path.GetFullPath(project ?? ".", workingDirectory);
        if (File.Exists(path))
        {
            return path;
        }

        if (!Directory.Exists(path))
        {
            throw new GridException(ErrorCodes.ProjectNotFound, $"the project '{project}' does not exist. Pass --project with a project file or its folder.");
        }

        var candidates = Directory.EnumerateFiles(path).Where(f => ProjectExtensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase)).ToArray();
        return candidates.Length switch
        {
            1 => candidates[0],
            0 => throw new GridException(ErrorCodes.ProjectNotFound, $"no project file in '{path}'. Run in a job's folder (dotnet new gridjob makes one) or pass --project."),
            _ => throw new GridException(ErrorCodes.ProjectNotFound, $"'{path}' holds {candidates.Length} project files ({string.Join(", ", candidates.Select(Path.GetFileName))}); pass --project to choose one."),
        };
    }

    /// <summary>Builds the project and returns its output assembly. A failed build is GRID5009 with the build's own messages.</summary>
    public static async Task<string> BuildAsync(string projectFile, string configuration, CancellationToken cancellationToken)
    {
        var (exitCode, output, errors) = await DotnetAsync(["build", projectFile, "-c", configuration, "-nologo", "-v:q", "-t:Build", "-getProperty:TargetPath"], cancellationToken).ConfigureAwait(false);
        string? targetPath = LastLine(output);
        if (exitCode != 0 || targetPath is null || !File.Exists(targetPath))
        {
            string detail = string.Join('\n', (output + "\n" + errors).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(20));
            throw new GridException(ErrorCodes.BuildFailed, $"the job '{projectFile}' did not build (dotnet build exited {exitCode}). Fix the errors below, or run `dotnet build` there to see them all:\n{detail}", ExitCodes.BuildFailed);
        }

        RememberTargetPath(projectFile, configuration, targetPath);
        return targetPath;
    }

    /// <summary>
    /// The output assembly of an already built project (--no-build): the one the last `dotnet grid run` built,
    /// if it is still there and the project has not changed since, else evaluated by MSBuild (not guessed).
    /// </summary>
    public static async Task<string> FindBuiltAsync(string projectFile, string configuration, CancellationToken cancellationToken)
    {
        if (RememberedTargetPath(projectFile, configuration) is { } remembered)
        {
            return remembered;
        }

        var (exitCode, output, _) = await DotnetAsync(["msbuild", projectFile, "-nologo", $"-p:Configuration={configuration}", "-getProperty:TargetPath"], cancellationToken).ConfigureAwait(false);
        string? targetPath = LastLine(output);
        if (exitCode != 0 || targetPath is null || !File.Exists(targetPath))
        {
            throw new GridException(ErrorCodes.ProjectNotFound, $"--no-build was given but '{targetPath ?? projectFile}' is not built ({configuration}). Build it first, or drop --no-build.");
        }

        return targetPath;
    }

    /// <summary>
    /// Publishes the job's image and manifest (<c>dotnet publish -p:PublishGrid=true</c>), or with
    /// <paramref name="noBuild"/> finds the manifest of the last publish; returns grid.json's path.
    /// </summary>
    public static async Task<string> PublishGridAsync(string projectFile, string configuration, bool noBuild, CancellationToken cancellationToken)
    {
        string[] arguments = noBuild
            ? ["msbuild", projectFile, "-nologo", $"-p:Configuration={configuration}", "-p:PublishGrid=true", "-getProperty:_GridManifestFile"]
            : ["publish", projectFile, "-c", configuration, "-nologo", "-v:q", "-p:PublishGrid=true", "-getProperty:_GridManifestFile"];
        var (exitCode, output, errors) = await DotnetAsync(arguments, cancellationToken).ConfigureAwait(false);
        string? manifest = LastLine(output);
        if (exitCode != 0 || manifest is null || !File.Exists(manifest))
        {
            string detail = string.Join('\n', (output + "\n" + errors).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(20));
            throw noBuild
                ? new GridException(ErrorCodes.ManifestMissing, $"--no-build was given but the job has no published grid.json ({manifest ?? projectFile}). Publish it with `dotnet publish -p:PublishGrid=true`, or drop --no-build.")
                : new GridException(ErrorCodes.BuildFailed, $"the job '{projectFile}' did not publish (dotnet publish -p:PublishGrid=true exited {exitCode}):\n{detail}", ExitCodes.BuildFailed);
        }

        return manifest;
    }

    /// <summary>Where a build's TargetPath is remembered: the project's own obj folder, one file per configuration.</summary>
    private static string TargetPathCache(string projectFile, string configuration) =>
        Path.Combine(Path.GetDirectoryName(projectFile)!, "obj", "grid", $"{configuration.ToLowerInvariant()}.targetpath");

    private static void RememberTargetPath(string projectFile, string configuration, string targetPath)
    {
        try
        {
            string cache = TargetPathCache(projectFile, configuration);
            Directory.CreateDirectory(Path.GetDirectoryName(cache)!);
            File.WriteAllText(cache, targetPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Only a shortcut for the next --no-build: MSBuild answers when it is missing.
        }
    }

    private static string? RememberedTargetPath(string projectFile, string configuration)
    {
        string cache = TargetPathCache(projectFile, configuration);
        if (!File.Exists(cache))
        {
            return null;
        }

        string targetPath = File.ReadAllText(cache).Trim();
        bool current = File.Exists(targetPath)
            && File.GetLastWriteTimeUtc(cache) >= File.GetLastWriteTimeUtc(projectFile)
            && File.GetLastWriteTimeUtc(targetPath) <= File.GetLastWriteTimeUtc(cache).AddMinutes(1);
        return current ? targetPath : null;
    }

    private static string? LastLine(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();

    private static Task<(int ExitCode, string Output, string Errors)> DotnetAsync(string[] arguments, CancellationToken cancellationToken) =>
        ChildProcess.RunAsync(DotnetHost, arguments, cancellationToken);

    /// <summary>The dotnet host: the one that started us when known, else the one beside our runtime.</summary>
    public static string DotnetHost
    {
        get
        {
            if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
            {
                return host;
            }

            // .../dotnet/shared/Microsoft.NETCore.App/<version>/ → .../dotnet/dotnet
            string runtime = RuntimeEnvironment.GetRuntimeDirectory();
            string root = Path.GetFullPath(Path.Combine(runtime, "..", "..", ".."));
            string candidate = Path.Combine(root, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
            return File.Exists(candidate) ? candidate : "dotnet";
        }
    }
}
