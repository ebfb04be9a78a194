#!/usr/bin/env bash
# Grid's benchmark (not a test): builds in Release, measures each figure as the median of a few runs, writes
# artifacts/bench/results.json (each figure beside its target and reference) and prints the table.
# The reference, a bare parent/child echo in Grid's framing, is measured in the same run.
# Usage: eng/bench.sh [figure ...]   e.g. eng/bench.sh noop cold_start (default: every figure, about 4 minutes)
# docs/performance.md explains each figure and keeps the latest table.
set -euo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

out=artifacts/bench
parts=$out/parts
work=$out/work
bench_dll=artifacts/bin/Grid.Bench/release/Grid.Bench.dll
job_dll=artifacts/bin/Grid.BenchJob/release/Grid.BenchJob.dll
tool_args=(--tool "$out/tool/dotnet-grid.dll" --project bench/jobs/Grid.BenchJob --work "$work")

bench() { dotnet "$bench_dll" "$@"; }

# One function per figure (or per pair measured by the same runs). Each writes its figures to $parts/<name>.json;
# a figure that cannot be measured yet writes a null value with a note saying what it waits for.
bench_ceiling() {
  bench ceiling --children 2 --runs 3 --seconds 1.5 --out "$parts/01-ceiling.json"
}

bench_decode() {
  bench decode --frames 1000000 --runs 3 --out "$parts/02-decode.json"
}

bench_noop() {
  bench noop "${tool_args[@]}" --tasks 200000 --workers 2 --runs 3 --out "$parts/03-noop.json"
}

bench_worker() {
  bench worker --job-dll "$job_dll" --warmup 100000 --tasks 300000 --runs 3 --out "$parts/04-worker.json"
}

bench_cpu10ms() {
  bench cpu10ms "${tool_args[@]}" --tasks 2000 --workers 2 --runs 3 --out "$parts/05-cpu10ms.json"
}

bench_result() {
  bench result "${tool_args[@]}" --tasks 500 --bytes 1048576 --workers 2 --runs 3 --out "$parts/06-result.json"
}

bench_cold_start() {
  bench cold-start "${tool_args[@]}" --job-dll "$job_dll" --workers 2 --runs 5 --out "$parts/07-cold-start.json"
}

bench_cloud_head() {
  bench cloud --work "$work" --tasks 1000000 --workers 1000 --slots 2 --runs 3 --out "$parts/08-cloud-head.json"
}

# The loopback registry (no auth) and the offline .NET base image for the image figures, in the bench's work
# folder: started once by whichever image figure runs first, stopped when the bench exits.
image_lab() {
  [ -n "${base_image:-}" ] && return
  export GRID_STATE_DIR=$PWD/$work/state GRID_REGISTRY_PORT=0 XDG_CACHE_HOME=$PWD/$work/xdg
  trap 'eng/registry.sh stop > /dev/null 2>&1 || true' EXIT
  local lines
  lines=$(eng/registry.sh start) && eval "$lines"
  base_image=$(eng/base-image.sh)
  base_image=${base_image%@*}
}

bench_publish_incremental() {
  image_lab
  bench publish-incremental --project bench/jobs/Grid.BenchJob --base-image "$base_image" --work "$work/image" --runs 3 \
    --out "$parts/09-publish-incremental.json"
}

bench_push_unchanged_layer() {
  image_lab
  bench push-unchanged --project bench/jobs/Grid.BenchJob --base-image "$base_image" --work "$work/image" --runs 3 \
    --out "$parts/10-push-unchanged-layer.json"
}

all=(ceiling decode noop worker cpu10ms result cold_start cloud_head publish_incremental push_unchanged_layer)
selected=("$@")
if [ ${#selected[@]} -eq 0 ]; then
  selected=("${all[@]}")
fi
for figure in "${selected[@]}"; do
  if ! declare -F "bench_$figure" > /dev/null; then
    echo "eng/bench.sh: unknown figure '$figure'; figures: ${all[*]}" >&2
    exit 2
  fi
done

started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
rm -rf "$parts" "$work" "$out/tool" "$out/worker"
mkdir -p "$out" "$parts" "$work"
rid=$(dotnet --info | sed -n 's/^ *RID: *//p' | head -1)

# publish_for_host PROJECT FOLDER: the project published for linux-x64, ReadyToRun, as Grid's packages carry it
# there (Grid.Tool.linux-x64; Grid.Worker and Grid.Protocol, sdk/ReadyToRunPackage.targets).
publish_for_host() {
  dotnet publish "$1" -c Release -r "$rid" --self-contained false -o "$2" -nologo -v:q -warnaserror \
    > "$out/publish.log" 2>&1 || { cat "$out/publish.log" >&2; exit 1; }
}

echo "building (Release)..." >&2
if [ "$rid" = linux-x64 ]; then
  # The bench job runs on Grid.Worker and Grid.Protocol as their packages have them (Grid.BenchJob.csproj).
  publish_for_host sdk/Grid.Worker/Grid.Worker.csproj "$out/worker"
  export GridBenchWorkerAssemblies=$PWD/$out/worker
fi
dotnet build bench/Grid.Bench/Grid.Bench.csproj -c Release -nologo -v:q -warnaserror > "$out/build.log" 2>&1 \
  || { cat "$out/build.log" >&2; exit 1; }

# A private copy of the tool, as the package a host of this machine's kind installs has it (Grid.Tool.linux-x64:
# precompiled; Grid.Tool.any elsewhere): a build elsewhere in the tree cannot change it in the middle of a measurement.
if [ "$rid" = linux-x64 ]; then
  publish_for_host tool/Grid.Tool/Grid.Tool.csproj "$out/tool"
else
  cp -r artifacts/bin/Grid.Tool/release "$out/tool"
fi

for figure in "${selected[@]}"; do
  begun=$(date +%s)
  "bench_$figure"
  echo "$figure: $(( $(date +%s) - begun )) s" >&2
done

if [ -n "${base_image:-}" ]; then
  eng/registry.sh stop > /dev/null
fi
bench report --parts "$parts" --out "$out/results.json" --sdk "$(dotnet --version)" --started "$started" \
  --load-before "$load_before"
rm -rf "$work"
echo "results: $out/results.json" >&2
