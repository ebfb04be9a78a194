using System.Diagnostics;
using System.Text.Json.Nodes;
using Grid.Registry;

namespace Grid.Bench.Image;

/// <summary>
/// The image figures: a no-change <c>dotnet publish -p:PublishGrid=true</c> of the bench job, and a second push of its
/// unchanged image to the loopback registry. The registry (GRID_REGISTRY, and GRID_REGISTRY_USER/PASSWORD when it has
/// auth) and the base image come from eng/bench.sh, which starts them with eng/registry.sh and eng/base-image.sh.
/// </summary>
internal static class ImageCommands
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(5);

    /// <summary>publish_incremental_s: after one publish that builds the image, the wall seconds of each publish with nothing changed.</summary>
    public static async Task<int> PublishIncrementalAsync(BenchArgs args)
    {
        var job = new BenchJob(args);
        double first = await job.PublishAsync();
        var image = new FileInfo(job.Archive);
        var written = image.LastWriteTimeUtc;
        var runs = new List<double>();
        for (int i = 0; i < args.Int("runs", 3); i++)
        {
            runs.Add(await job.PublishAsync());
            Console.Error.WriteLine($"publish_incremental: run {i + 1}: {runs[^1]:0.00} s");
        }

        image.Refresh();
        FigureFile.Write(args.String("out"), Figure.FromRuns("publish_incremental_s", "s", runs) with
        {
            Target = Target.AtMost(3),
            Reference = new Reference(null, "environment.md: the SDK's own incremental archive publish, 1.3–1.5 s"),
            Method = "wall seconds of `dotnet publish -c Release -p:PublishGrid=true` of the bench job over the loopback registry's base image, after one publish that built the image, nothing changed in between",
            Details = new JsonObject
            {
                ["first_publish_s"] = Math.Round(first, 3),
                ["image_rewritten"] = image.LastWriteTimeUtc != written,
            },
        });
        return 0;
    }

    /// <summary>push_unchanged_layer_bytes: blob bytes a push of the published image sends when the registry already holds it.</summary>
    public static async Task<int> PushUnchangedAsync(BenchArgs args)
    {
        var job = new BenchJob(args);
        if (!File.Exists(job.Archive))
        {
            await job.PublishAsync();
        }

        string registry = Environment.GetEnvironmentVariable("GRID_REGISTRY") ?? throw new ArgumentException("GRID_REGISTRY is not set: start the loopback registry (eng/registry.sh start)");
        var credentials = Environment.GetEnvironmentVariable("GRID_REGISTRY_USER") is { Length: > 0 } user
            ? new RegistryCredentials(user, Environment.GetEnvironmentVariable("GRID_REGISTRY_PASSWORD") ?? "")
            : null;
        var target = new RegistryTarget(registry, "bench/grid-bench-job", "latest", credentials);
        var source = ImageSource.FromArchive(job.Archive);
        using var pusher = new ImagePusher();

        var clock = Stopwatch.StartNew();
        var first = await pusher.PushAsync(source, target, null, CancellationToken.None);
        double firstSeconds = clock.Elapsed.TotalSeconds;
        var bytes = new List<double>();
        var seconds = new List<double>();
        PushResult? last = null;
        for (int i = 0; i < args.Int("runs", 3); i++)
        {
            clock.Restart();
            last = await pusher.PushAsync(source, target, null, CancellationToken.None);
            seconds.Add(clock.Elapsed.TotalSeconds);
            bytes.Add(last.BytesUploaded);
            Console.Error.WriteLine($"push_unchanged_layer: run {i + 1}: {last.BytesUploaded} bytes, {last.BlobsSkipped} blobs skipped, {seconds[^1]:0.000} s");
        }

        FigureFile.Write(args.String("out"), Figure.FromRuns("push_unchanged_layer_bytes", "bytes", bytes) with
        {
            Target = Target.AtMost(0),
            Reference = new Reference(null, $"the first push of the same image: {first.BytesUploaded:N0} bytes"),
            Method = "blob bytes (layers and config) Grid.Registry's pusher sends when pushing the bench job's published grid/image.tar again, unchanged, to the loopback registry (docker-registry) that already holds it",
            Details = new JsonObject
            {
                ["first_push_bytes"] = first.BytesUploaded,
                ["first_push_blobs"] = first.BlobsUploaded,
                ["first_push_s"] = Math.Round(firstSeconds, 3),
                ["unchanged_push_s"] = Math.Round(Figure.Median(seconds), 3),
                ["unchanged_push_blobs_skipped"] = last?.BlobsSkipped,
                ["reference"] = last?.Reference,
            },
        });
        return 0;
    }

    /// <summary>The bench job, published with PublishGrid into a publish folder under the bench's work folder.</summary>
    private sealed class BenchJob(BenchArgs args)
    {
        private readonly string _project = Path.GetFullPath(args.String("project"));
        private readonly string _baseImage = args.String("base-image");
        private readonly string _publish = Path.Combine(Path.GetFullPath(args.String("work")), "publish") + "/";
        private readonly string _log = Path.Combine(Path.GetFullPath(args.String("work")), "publish.log");

        public string Archive => Path.Combine(_publish, "grid", "image.tar");

        public async Task<double> PublishAsync()
        {
            Directory.CreateDirectory(Path.GetDirectoryName(_log)!);
            var clock = Stopwatch.StartNew();
            using var child = ChildProcess.Start(
                "dotnet",
                ["publish", _project, "-c", "Release", "-nologo", "-p:PublishGrid=true", $"-p:GridBaseImage={_baseImage}", $"-p:PublishDir={_publish}"],
                environment: new Dictionary<string, string> { ["MSBUILDDISABLENODEREUSE"] = "1", ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1" },
                logFile: _log);
            int code = await child.WaitForExitAsync(PublishTimeout);
            double seconds = clock.Elapsed.TotalSeconds;
            if (code != 0 || !File.Exists(Archive))
            {
                throw new InvalidOperationException($"dotnet publish -p:PublishGrid=true exited {code} (archive {(File.Exists(Archive) ? "written" : "missing")}); see {_log}");
            }

            return seconds;
        }
    }
}
