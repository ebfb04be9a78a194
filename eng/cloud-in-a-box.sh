#!/usr/bin/env bash
# The cloud-in-a-box: the loopback registry with htpasswd auth (ECR's registry) and the AWS-protocol emulator
# (EC2, ECR, Batch, STS, IMDSv2) from tests/Grid.CloudInABox, both on 127.0.0.1.
#
# Usage: eng/cloud-in-a-box.sh start | stop | env
#   start  starts both (the emulator is built first when its binary is missing or older than its sources),
#          waits until both answer, and prints `export NAME=value` lines: the environment that points the
#          AWS CLI, the AWS SDKs and Grid at it. Idempotent: a running cloud-in-a-box is kept.
#   stop   stops both and waits until they are gone.
#   env    prints the lines again.
#
# Environment:
#   GRID_STATE_DIR        state root (default <repo>/artifacts/state); this script keeps pid, log and env in
#                         $GRID_STATE_DIR/cloud-in-a-box, the registry its own in $GRID_STATE_DIR/registry
#   GRID_CLOUD_PORT       the emulator's port (default 0: a free one); GRID_REGISTRY_PORT the registry's
#   GRID_CLOUD_THROTTLE, GRID_CLOUD_THROTTLE_EC2|_ECR|_BATCH|_STS, GRID_CLOUD_NO_CAPACITY, GRID_CLOUD_SEED,
#   GRID_CLOUD_REGION     faults and region the emulator starts with (tests/Grid.CloudInABox/README.md)
#   GRID_CLOUD_WORKLOADS  records (default: instances and Batch jobs are records only) or run: instances run their
#                         user data as machines and Batch jobs run their containers with podman, under
#                         $GRID_STATE_DIR/cloud-in-a-box/workloads; podman's settings (eng/podman-env.sh) are
#                         then written and printed too
#
# Use it as: lines=$(eng/cloud-in-a-box.sh start) && eval "$lines"
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export GRID_STATE_DIR=${GRID_STATE_DIR:-$root/artifacts/state}
dir=$GRID_STATE_DIR/cloud-in-a-box
pidfile=$dir/emulator.pid
envfile=$dir/cloud.env
log=$dir/emulator.log
project=$root/tests/Grid.CloudInABox
binary=$root/artifacts/bin/Grid.CloudInABox/release/Grid.CloudInABox

die() { echo "cloud-in-a-box: $*" >&2; exit 1; }
# shellcheck source=SCRIPTDIR/process-lib.sh
. "$root/eng/process-lib.sh"

# The emulator's pid if it is alive and really ours.
running_pid() { alive_pid "$pidfile" "$binary"; }

build() {
  # Built once: again only when a source file is newer than the binary.
  if [ ! -x "$binary" ] || [ -n "$(find "$project" -name '*.cs' -newer "$binary" -print -quit)" ]; then
    dotnet build "$project/Grid.CloudInABox.csproj" -c Release -nologo -v:q >"$dir/build.log" 2>&1 ||
      { cat "$dir/build.log" >&2; die "the emulator did not build"; }
  fi
}

stop_emulator() {
  stop_pid "$pidfile" "$binary" || die "the emulator (pid $(cat "$pidfile")) did not stop"
  rm -f "$pidfile" "$envfile"
}

start() {
  mkdir -p "$dir"
  if running_pid >/dev/null && [ -f "$envfile" ]; then
    cat "$envfile"
    return
  fi
  stop_emulator

  local registry_lines
  registry_lines=$("$root/eng/registry.sh" start --auth) || die "the registry did not start"
  eval "$registry_lines"
  local podman_lines=""
  case ${GRID_CLOUD_WORKLOADS:-records} in
    records) ;;
    run)
      # The machines' docker and the jobs' podman run with these settings, from the very first podman call.
      podman_lines=$("$root/eng/podman-env.sh") || die "eng/podman-env.sh failed"
      eval "$podman_lines"
      export GRID_CLOUD_WORKLOADS GRID_CLOUD_WORKLOADS_DIR=$dir/workloads
      ;;
    *) die "GRID_CLOUD_WORKLOADS is '$GRID_CLOUD_WORKLOADS'; it must be records or run" ;;
  esac
  build

  : >"$log"
  # setsid and closed stdin: the emulator outlives this script and must not hold the caller's pipe open.
  setsid "$binary" --port "${GRID_CLOUD_PORT:-0}" </dev/null >>"$log" 2>&1 &
  local pid=$!
  echo "$pid" >"$pidfile"

  local endpoint="" _
  for _ in $(seq 1 200); do
    endpoint=$(awk '/^endpoint /{print $2}' "$log")
    [ -n "$endpoint" ] && break
    if ! running_pid >/dev/null; then
      wait "$pid" 2>/dev/null || true
      cat "$log" >&2
      die "the emulator exited before serving"
    fi
    sleep 0.05
  done
  [ -n "$endpoint" ] || { cat "$log" >&2; stop_emulator; die "the emulator did not report its endpoint after 10 s"; }
  curl -sf --max-time 2 "${endpoint}_grid/health" >/dev/null || { stop_emulator; die "no answer from ${endpoint}_grid/health"; }

  {
    echo "$registry_lines"
    [ -z "$podman_lines" ] || echo "$podman_lines"
    echo "export AWS_ENDPOINT_URL=${endpoint%/}"
    echo "export AWS_ACCESS_KEY_ID=$(awk '/^access-key-id /{print $2}' "$log")"
    echo "export AWS_SECRET_ACCESS_KEY=$(awk '/^secret-access-key /{print $2}' "$log")"
    echo "export AWS_REGION=$(awk '/^region /{print $2}' "$log")"
    echo "export AWS_DEFAULT_REGION=$(awk '/^region /{print $2}' "$log")"
    echo "unset AWS_SESSION_TOKEN AWS_PROFILE"
    echo "export GRID_CLOUD_IMDS=$(awk '/^imds /{print $2}' "$log")"
    echo "export GRID_CLOUD_ADMIN=${endpoint}_grid/"
  } >"$envfile"
  cat "$envfile"
}

case ${1:-} in
  start) start ;;
  stop)
    # The emulator stops what it runs (machines, their containers, Batch jobs' containers) before it exits.
    stop_emulator
    "$root/eng/registry.sh" stop
    ;;
  env)
    running_pid >/dev/null || die "the cloud-in-a-box is not running; run: eng/cloud-in-a-box.sh start"
    cat "$envfile"
    ;;
  *) die "usage: eng/cloud-in-a-box.sh start | stop | env" ;;
esac
