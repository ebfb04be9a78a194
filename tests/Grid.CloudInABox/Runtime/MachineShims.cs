namespace Grid.CloudInABox.Runtime;

/// <summary>
/// The commands an instance's user data finds first on its PATH, standing in for what an EC2 machine has:
/// <list type="bullet">
/// <item><c>docker</c>: podman with this machine's settings (inherited CONTAINERS_* variables); <c>login</c>,
/// <c>pull</c>, <c>run</c> and <c>create</c> get <c>--tls-verify=false</c> for the loopback registry, and
/// <c>run</c>/<c>create</c> a label <c>grid-cloud-instance=&lt;id&gt;</c> so that the instance's containers go with it.</item>
/// <item><c>shutdown</c>, <c>poweroff</c>, <c>halt</c>: end the machine, i.e. its script's process group.</item>
/// <item><c>aws</c>: the aws CLI with <c>--endpoint-url "$AWS_ENDPOINT_URL"</c> (Debian's aws-cli 2.9 ignores the variable).</item>
/// </list>
/// </summary>
internal static class MachineShims
{
    public const string InstanceLabel = "grid-cloud-instance";

    /// <summary>Writes the shims into <paramref name="directory"/> (rewritten each start: they name this machine's podman).</summary>
    public static void Write(string directory, string podman, string? aws)
    {
        Directory.CreateDirectory(directory);
        WriteShim(directory, "docker", $$"""
            #!/bin/bash
            # docker on a Grid cloud-in-a-box machine: podman, labelling containers with the instance id.
            set -euo pipefail
            podman='{{podman}}'
            label="{{InstanceLabel}}=${GRID_CLOUD_INSTANCE_ID:?not on a cloud-in-a-box machine}"
            case ${1:-} in
              run | create) command=$1; shift; exec "$podman" "$command" --tls-verify=false --label "$label" "$@" ;;
              pull | login) command=$1; shift; exec "$podman" "$command" --tls-verify=false "$@" ;;
              *) exec "$podman" "$@" ;;
            esac
            """);
        const string End = """
            #!/bin/bash
            # Ends this machine: the user data's process group (this shim is in it). The emulator then shuts the
            # instance down as its InstanceInitiatedShutdownBehavior says.
            read -r _ _ _ _ group _ </proc/$$/stat
            kill -TERM -- "-$group"
            """;
        foreach (var name in new[] { "shutdown", "poweroff", "halt" })
        {
            WriteShim(directory, name, End);
        }
        if (aws is not null)
        {
            WriteShim(directory, "aws", $$"""
                #!/bin/bash
                # The aws CLI pointed at the emulator: aws-cli 2.9 does not read AWS_ENDPOINT_URL itself.
                exec '{{aws}}' --endpoint-url "${AWS_ENDPOINT_URL:?}" "$@"
                """);
        }
    }

    private static void WriteShim(string directory, string name, string content)
    {
        var path = Path.Combine(directory, name);
        File.WriteAllText(path, content.ReplaceLineEndings("\n") + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }
    }
}
