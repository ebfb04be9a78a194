#!/usr/bin/env bash
# End-to-end check of the container path with no Docker daemon: starts a loopback registry (with ECR-style
# basic auth), builds and pushes the offline .NET base image twice (the digest must not change), publishes
# a hello app with the SDK's built-in container support both to the registry and as an OCI archive,
# checks the pushed image with skopeo, runs it with podman (plain, and with stdin, args and no network),
# then stops the registry. Exits non-zero at the first failure, naming it. The template for CI tests.
#
# Usage: eng/container-smoke.sh [--no-auth]
#
# Everything lives in a fresh temporary state dir (registry storage, podman storage, SDK layer cache,
# the app), removed at the end; the registry gets a free port. Set GRID_STATE_DIR to keep the state there.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
auth=--auth
case ${1:-} in
  --no-auth) auth= ;;
  '') ;;
  *) echo "usage: eng/container-smoke.sh [--no-auth]" >&2; exit 2 ;;
esac

step=setup
fail() { echo "container-smoke: FAILED at '$step': $*" >&2; exit 1; }
now() { date +%s.%N; }
secs() { awk -v s="$1" -v e="$2" 'BEGIN { printf "%.2f", e - s }'; }
timings=()
timed() { # timed NAME START
  timings+=("$1 $(secs "$2" "$(now)") s")
}

"$root/eng/install-deps.sh" >/dev/null

temp_state=false
if [ -z "${GRID_STATE_DIR:-}" ]; then
  GRID_STATE_DIR=$(mktemp -d /tmp/grid-container-smoke.XXXXXX)
  temp_state=true
fi
export GRID_STATE_DIR
export GRID_REGISTRY_PORT=${GRID_REGISTRY_PORT:-0}

cleanup() {
  local rc=$?
  if [ "$rc" -ne 0 ] && [ -s "$GRID_STATE_DIR/registry/registry.log" ]; then
    # Leaves out the routine noise: 401 challenges before auth, and HEAD probes for blobs not yet there.
    echo "--- registry log (last 20 lines of note)" >&2
    grep -v -e 'error authorizing context' -e 'blob unknown' "$GRID_STATE_DIR/registry/registry.log" | tail -n 20 >&2 || true
  fi
  "$root/eng/registry.sh" stop || rc=1
  if $temp_state; then
    rm -rf "$GRID_STATE_DIR" 2>/dev/null || echo "container-smoke: could not remove $GRID_STATE_DIR" >&2
  fi
  exit "$rc"
}
trap cleanup EXIT

# Runs a command quietly; on failure shows its output and fails the step.
run() {
  local out
  out=$("$@" 2>&1) || { printf '%s\n' "$out" >&2; fail "command failed: $*"; }
  printf '%s' "$out"
}

step="start registry"
t=$(now)
# Two steps rather than eval "$(...)": eval of a failed substitution would succeed silently.
lines=$("$root/eng/registry.sh" start $auth) || fail "eng/registry.sh start $auth failed"
eval "$lines"
timed registry "$t"
registry=$GRID_REGISTRY
creds=()
if [ -n "$auth" ]; then
  creds=(--creds "$GRID_REGISTRY_USER:$GRID_REGISTRY_PASSWORD")
fi

step="podman settings"
lines=$("$root/eng/podman-env.sh") || fail "eng/podman-env.sh failed"
eval "$lines"

step="base image"
t=$(now)
base=$(run "$root/eng/base-image.sh")
timed base-image "$t"
rm -rf "$GRID_STATE_DIR/base-image/oci" # rebuild from scratch, not from the reused layout
base_again=$(run "$root/eng/base-image.sh")
[ "$base" = "$base_again" ] || fail "base image is not reproducible: $base then $base_again"
base_image=${base%@*}

step="publish to registry"
app=$GRID_STATE_DIR/hello
mkdir -p "$app"
# A private XDG_CACHE_HOME isolates the SDK's layer cache ($XDG_CACHE_HOME/dotnet/Containers).
export XDG_CACHE_HOME=$GRID_STATE_DIR/xdg-cache DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# Empty Directory.* files stop MSBuild looking further up: a state dir inside the repository must not
# pick up the repository's build settings.
for f in Directory.Build.props Directory.Build.targets Directory.Packages.props; do
  echo '<Project />' >"$app/$f"
done
cat >"$app/hello.csproj" <<'XML'
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
  </PropertyGroup>
</Project>
XML
cat >"$app/Program.cs" <<'CS'
Console.WriteLine("hello from container");
if (args.Length > 0) Console.WriteLine("args: " + string.Join(' ', args));
if (Console.IsInputRedirected) Console.WriteLine("stdin: " + Console.In.ReadToEnd().Trim());
CS
publish=(dotnet publish "$app/hello.csproj" -t:PublishContainer -p:ContainerBaseImage="$base_image"
  -p:ContainerRepository=hello -getProperty:GeneratedContainerDigest -getProperty:GeneratedArchiveOutputPath)
t=$(now)
json=$(run "${publish[@]}" -p:ContainerRegistry="$registry")
timed publish-clean "$t"
[[ $(jq -r '.Properties.GeneratedContainerDigest' <<<"$json") == sha256:* ]] || fail "no GeneratedContainerDigest in: $json"
# Each publish stamps the current time into the image config, so every push has a new digest: the
# registry must hold the one the last publish reported.
t=$(now)
json=$(run "${publish[@]}" -p:ContainerRegistry="$registry")
timed publish-incremental "$t"
digest=$(jq -r '.Properties.GeneratedContainerDigest' <<<"$json")

step="publish archive"
archive=$GRID_STATE_DIR/out/hello.tar
json=$(run "${publish[@]}" -p:ContainerArchiveOutputPath="$archive")
[ "$(jq -r '.Properties.GeneratedArchiveOutputPath' <<<"$json")" = "$archive" ] || fail "GeneratedArchiveOutputPath is not $archive: $json"
archive_digest=$(jq -r '.Properties.GeneratedContainerDigest' <<<"$json")
entries=$(tar -tf "$archive")
grep -qx oci-layout <<<"$entries" || fail "archive has no oci-layout file"
index_digest=$(tar -xOf "$archive" index.json | jq -r '.manifests[0].digest')
[ "$index_digest" = "$archive_digest" ] || fail "archive index.json names $index_digest, the SDK reported $archive_digest"
grep -qx "blobs/sha256/${archive_digest#sha256:}" <<<"$entries" || fail "archive lacks the manifest blob $archive_digest"

step="skopeo inspect"
image=$registry/hello:latest
inspect=$(run skopeo inspect --tls-verify=false "${creds[@]}" "docker://$image")
[ "$(jq -r .Digest <<<"$inspect")" = "$digest" ] || fail "registry has $(jq -r .Digest <<<"$inspect"), the SDK reported $digest"
[ "$(jq -r .Architecture <<<"$inspect")" = amd64 ] || fail "architecture is $(jq -r .Architecture <<<"$inspect")"
config=$(run skopeo inspect --tls-verify=false "${creds[@]}" --config "docker://$image")
[ "$(jq -c .config.Entrypoint <<<"$config")" = '["dotnet","/app/hello.dll"]' ] || fail "entrypoint is $(jq -c .config.Entrypoint <<<"$config")"
[ "$(jq -r .config.User <<<"$config")" = 1654 ] || fail "user is $(jq -r .config.User <<<"$config"), expected APP_UID 1654"

step="podman run"
t=$(now)
# podman 4.3's `run` has no --creds: pull first (a no-op pull would also check the registry copy).
run podman pull -q "${creds[@]}" "$image" >/dev/null
out=$(run podman run --rm "$image")
timed podman-pull+run "$t"
grep -qx "hello from container" <<<"$out" || fail "unexpected output: $out"
t=$(now)
out=$(echo x | podman run --rm -i --network=none "$image" a b 2>&1) || fail "podman run -i failed: $out"
timed podman-run-warm "$t"
[ "$out" = $'hello from container\nargs: a b\nstdin: x' ] || fail "unexpected output with stdin and args: $out"

step="stop registry"
"$root/eng/registry.sh" stop
summary=$(IFS=,; echo "${timings[*]}")
echo "container-smoke: ok (${auth:+auth, }${summary//,/, })"
