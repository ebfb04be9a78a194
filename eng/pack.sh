#!/usr/bin/env bash
# Packs Grid's packages in Release, all at one version: Grid.Protocol, Grid.Worker, Grid.Sdk, Grid.Templates
# and Grid.Tool (with Grid.Tool.linux-x64, precompiled, and Grid.Tool.any, which it names for the hosts that
# install it), into artifacts/packages (or $GRID_PACKAGES_DIR). Packages of these ids already there are
# removed first. Prints the path of each package made; a failed step prints its build log on stderr.
# Usage: eng/pack.sh [VERSION]      (default: $GRID_VERSION, else 0.1.0-dev)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=${1:-${GRID_VERSION:-0.1.0-dev}}
out=${GRID_PACKAGES_DIR:-$root/artifacts/packages}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

ids=(Grid.Protocol Grid.Worker Grid.Sdk Grid.Templates Grid.Tool Grid.Tool.linux-x64 Grid.Tool.any)
mkdir -p "$out"
out=$(cd "$out" && pwd)
for id in "${ids[@]}"; do
  rm -f "$out/$id".[0-9]*.nupkg
done

logs=$(mktemp -d "${TMPDIR:-/tmp}/grid-pack.XXXXXX")
trap 'rm -rf "$logs"' EXIT
failed=()

# step NAME COMMAND PROJECT [arguments...]: `dotnet COMMAND` of one project in Release, its output kept in a log.
step() {
  local name=$1 command=$2 project=$3
  shift 3
  if ! dotnet "$command" "$root/$project" -c Release -nologo -v:q "$@" >"$logs/$name.log" 2>&1; then
    echo "pack: $name failed:" >&2
    cat "$logs/$name.log" >&2
    return 1
  fi
}

# pack NAME PROJECT [dotnet pack arguments...]: one package.
pack() {
  local name=$1 project=$2
  shift 2
  step "$name" pack "$project" -o "$out" -p:Version="$version" "$@"
}

# wait_all PID...: waits for every job, noting the ones that failed.
wait_all() {
  local pid
  for pid in "$@"; do
    wait "$pid" || failed+=("$pid")
  done
}

# Grid.Templates is only files: it packs alongside everything else. Packing Grid.Sdk builds Grid.Build.Tasks and
# Grid.Registry (the tasks' pusher), which share nothing with Grid.Worker's build; nor does Grid.Aws, which only
# Grid.Tool references and which is built alongside.
pack Grid.Templates templates/Grid.Templates/Grid.Templates.csproj & templates_pid=$!
sdk_ok=true
pack Grid.Sdk sdk/Grid.Sdk/Grid.Sdk.csproj & sdk_pid=$!
aws_ok=true
step Grid.Aws build tool/Grid.Aws/Grid.Aws.csproj & aws_pid=$!

# Build once: packing Grid.Worker builds Grid.Protocol too; Grid.Protocol is then packed from that build, and
# Grid.Tool builds against it, the Grid.Registry the Sdk pack built and Grid.Aws, without building any of them again
# (which would race the other packs).
worker_ok=true
pack Grid.Worker sdk/Grid.Worker/Grid.Worker.csproj || worker_ok=false
wait "$sdk_pid" || sdk_ok=false
wait "$aws_pid" || aws_ok=false
if $worker_ok && $sdk_ok && $aws_ok; then
  pack Grid.Protocol sdk/Grid.Protocol/Grid.Protocol.csproj --no-build & protocol_pid=$!
  pack Grid.Tool tool/Grid.Tool/Grid.Tool.csproj -p:BuildProjectReferences=false & tool_pid=$!
  wait_all "$protocol_pid" "$tool_pid"
else
  $worker_ok || failed+=(worker)
  $sdk_ok || failed+=(sdk)
  $aws_ok || failed+=(aws)
fi
wait_all "$templates_pid"

for id in "${ids[@]}"; do
  if [ -f "$out/$id.$version.nupkg" ]; then
    echo "$out/$id.$version.nupkg"
  fi
done
if [ "${#failed[@]}" -ne 0 ]; then
  echo "pack: ${#failed[@]} package(s) failed" >&2
  exit 1
fi
