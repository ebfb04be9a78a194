#!/usr/bin/env bash
# Process helpers sourced by the eng/ scripts that start servers (registry.sh, cloud-in-a-box.sh).

# alive_pid PIDFILE PATTERN: prints the pid recorded in PIDFILE when that process is alive and its command line
# holds PATTERN. A zombie counts as gone (PID 1 on these machines reaps orphans late, if at all), and the
# pattern guards against a reused pid.
alive_pid() {
  local pidfile=$1 pattern=$2 pid state
  [ -f "$pidfile" ] || return 1
  pid=$(cat "$pidfile")
  [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
  state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
  [ "$state" != "Z" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$pattern" || return 1
  echo "$pid"
}

# stop_pid PIDFILE PATTERN: SIGTERM, up to 5 s to go, then SIGKILL and up to 2 s more; reaps it when it is this
# shell's child. Returns 1 when it is still there.
stop_pid() {
  local pidfile=$1 pattern=$2 pid _
  pid=$(alive_pid "$pidfile" "$pattern") || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do
    alive_pid "$pidfile" "$pattern" >/dev/null || break
    sleep 0.05
  done
  if alive_pid "$pidfile" "$pattern" >/dev/null; then
    kill -9 "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do
      alive_pid "$pidfile" "$pattern" >/dev/null || break
      sleep 0.05
    done
  fi
  alive_pid "$pidfile" "$pattern" >/dev/null && return 1
  wait "$pid" 2>/dev/null || true
}
