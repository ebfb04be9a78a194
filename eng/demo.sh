#!/usr/bin/env bash
# The main job, end to end, the way a user meets Grid: packs Grid's packages, installs the `dotnet grid`
# tool into a private tool path and the gridjob template into a private template hive, scaffolds a job in
# a temporary folder, and runs 1,000 tasks over 2 local workers. Prints the run's summary.
# Usage: eng/demo.sh [tasks] [workers]      (GRID_DEMO_DIR=path keeps the work folder there)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tasks=${1:-1000}
workers=${2:-2}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# A version of its own, so no cached package of an earlier build is ever picked up.
version="0.1.0-demo.$(date -u +%Y%m%d%H%M%S)"
work=${GRID_DEMO_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/grid-demo.XXXXXX")}
mkdir -p "$work"
feed="$work/feed"
echo "== packing Grid $version"
GRID_PACKAGES_DIR="$feed" "$root/eng/pack.sh" "$version" >/dev/null

export NUGET_PACKAGES="$work/nuget"
cat > "$work/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="grid-local" value="$feed" />
  </packageSources>
</configuration>
XML
# The user-facing commands run under $work, which sees the local feed beside nuget.org.
cd "$work"

echo "== installing the tool and the template"
dotnet tool install Grid.Tool --version "$version" --tool-path "$work/tools" --add-source "$feed" >/dev/null
dotnet new install "$feed/Grid.Templates.$version.nupkg" --debug:custom-hive "$work/hive" >/dev/null
export PATH="$work/tools:$PATH"

echo "== dotnet new gridjob -n TileStats"
dotnet new gridjob -n TileStats --debug:custom-hive "$work/hive" >/dev/null
cd TileStats
for ((i = 0; i < tasks; i++)); do
  printf '{"id":"tile-%05d","x":%d,"y":%d,"zoom":12}\n' "$i" $((i % 40)) $((i / 40))
done > demo-tasks.jsonl

echo "== dotnet grid run --local --tasks demo-tasks.jsonl --workers $workers"
status=0
dotnet grid run --local --tasks demo-tasks.jsonl --workers "$workers" --run-id demo || status=$?
echo "run folder: $work/TileStats/grid-runs/demo"
exit "$status"
