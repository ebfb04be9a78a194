using System.Diagnostics;

namespace Grid.Tool.Tests;

/// <summary>Headless Chromium (Debian's `chromium`, installed by eng/install-deps.sh): screenshots of a page, and its DOM after its script ran.</summary>
public static class Chromium
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

    public static string Executable { get; } = Find();

    /// <summary>The page's DOM once it has loaded and its scripts have run, and how long Chromium took from start to exit.</summary>
    public static async Task<(string Dom, TimeSpan Elapsed)> DumpDomAsync(string htmlPath)
    {
        var (stdout, elapsed) = await RunAsync(["--dump-dom", new Uri(htmlPath).AbsoluteUri]);
        return (stdout, elapsed);
    }

    /// <summary>Writes a PNG of the page at the given window size; returns how long Chromium took.</summary>
    public static async Task<TimeSpan> ScreenshotAsync(string htmlPath, string pngPath, int width = 1400, int height = 3000)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(pngPath)!);
        File.Delete(pngPath);
        var (_, elapsed) = await RunAsync(["--hide-scrollbars", $"--screenshot={pngPath}", $"--window-size={width},{height}", new Uri(htmlPath).AbsoluteUri]);
        Assert.True(File.Exists(pngPath), $"chromium wrote no screenshot at {pngPath}");
        return elapsed;
    }

    /// <summary>Where a test's screenshots go: artifacts/test-results/report/.</summary>
    public static string ArtifactPath(string name) => Path.Combine(TestJob.RepositoryRoot, "artifacts", "test-results", "report", name);

    private static async Task<(string Stdout, TimeSpan Elapsed)> RunAsync(string[] arguments)
    {
        Require();
        string profile = Directory.CreateTempSubdirectory("grid-chromium-").FullName;
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in (string[])["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", $"--user-data-dir={profile}", .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"chromium did not finish within {Limit.TotalSeconds} s: {string.Join(' ', arguments)}\n{await stderr}");
        }
        finally
        {
            try
            {
                Directory.Delete(profile, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        clock.Stop();
        Assert.True(process.ExitCode == 0, $"chromium exited with {process.ExitCode}: {await stderr}");
        return (await stdout, clock.Elapsed);
    }

    private static string Find()
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Append("/usr/bin"))
        {
            foreach (string name in new[] { "chromium", "chromium-browser" })
            {
                string path = Path.Combine(directory, name);
                if (File.Exists(path))
                {
                    return path;
                }
            }
        }

        return "";
    }

    /// <summary>Fails the test, naming the install step, when Chromium is missing.</summary>
    public static void Require() => Assert.True(
        Executable.Length > 0,
        "Chromium is not installed, and the report tests render report.html in it. Run eng/install-deps.sh (as root; it installs Debian's `chromium` package).");
}
