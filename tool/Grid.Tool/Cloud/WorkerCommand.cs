using System.Globalization;
using System.Text;

namespace Grid.Tool.Cloud;

/// <summary>
/// How a cloud worker is started: the worker's arguments and environment (the same for an EC2 instance's
/// container and a Batch job), and the EC2 instance's boot script (its user data).
/// </summary>
public static class WorkerCommand
{
    /// <summary>Appended to the image's entrypoint: serve tasks to the head at the advertised address.</summary>
    public static IReadOnlyList<string> Arguments(CloudJob job)
    {
        var dial = job.RequireDial();
        return
        [
            "--grid-worker", "--grid-connect", dial.Endpoint, "--grid-pin", dial.CertificatePin,
            "--grid-slots", job.SlotsPerWorker.ToString(CultureInfo.InvariantCulture),
        ];
    }

    /// <summary>The worker's environment: the run's token, spot-notice polling, and the head-silence watchdog.</summary>
    public static IReadOnlyDictionary<string, string> Environment(CloudJob job) => new SortedDictionary<string, string>(StringComparer.Ordinal)
    {
        ["GRID_RUN_ID"] = job.Names.RunId,
        ["GRID_RUN_TOKEN"] = job.RequireDial().Token,
        ["GRID_SPOT_NOTICE"] = "1",
        ["GRID_HEAD_SILENCE_SECONDS"] = ((int)job.HeadSilence.TotalSeconds).ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// The instance's user data: log in to the registry with the instance role (never keys), pull the image by
    /// digest, run one worker container, and shut the machine down when it ends. With shutdown behaviour
    /// "terminate" the instance then stops billing: when the run is over, when the head has been unreachable
    /// for <see cref="CloudJob.HeadSilence"/>, when the container cannot start, and at the latest after
    /// <see cref="CloudJob.MaxLifetime"/>.
    /// </summary>
    public static string BootScript(CloudJob job)
    {
        var script = new StringBuilder();
        script.Append($$"""
            #!/bin/bash
            # Grid worker for job {{job.Names.Job}}, run {{job.Names.RunId}}: one container serving tasks to the head.
            # Whatever happens below, the machine shuts down at the end, and is terminated (its shutdown behaviour).
            set -uo pipefail
            trap 'shutdown -h now' EXIT
            ( sleep {{(long)job.MaxLifetime.TotalSeconds}}; shutdown -h now ) &
            IMDS=${AWS_EC2_METADATA_SERVICE_ENDPOINT:-http://169.254.169.254}
            IMDS=${IMDS%/}
            TOKEN=$(curl -sf --retry 10 --retry-connrefused -X PUT "$IMDS/latest/api/token" -H "X-aws-ec2-metadata-token-ttl-seconds: 21600") || exit 1
            INSTANCE_ID=$(curl -sf --retry 10 -H "X-aws-ec2-metadata-token: $TOKEN" "$IMDS/latest/meta-data/instance-id") || exit 1
            command -v docker >/dev/null || { dnf install -y docker && systemctl start docker; } || exit 1
            for attempt in 1 2 3 4 5; do
              aws ecr get-login-password --region {{job.Region}} | docker login --username AWS --password-stdin {{job.Registry}} &&
                docker pull {{job.Image}} && break
              [ "$attempt" = 5 ] && exit 1
              sleep $((attempt * 5))
            done
            docker run --rm --network host --name "grid-worker-$INSTANCE_ID" \

            """);
        foreach (var (name, value) in Environment(job))
        {
            script.Append($"  -e {name}={Quote(value)} \\\n");
        }

        script.Append("  -e AWS_EC2_METADATA_SERVICE_ENDPOINT=\"$IMDS\" -e GRID_WORKER_NAME=\"$INSTANCE_ID\" \\\n");
        script.Append($"  {job.Image} {string.Join(' ', Arguments(job).Select(Quote))}\n");
        return script.ToString();
    }

    /// <summary>A shell word: plain when safe, otherwise single-quoted.</summary>
    private static string Quote(string value) =>
        value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':' or '/' or '@' or '=' or ',')
            ? value
            : "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
