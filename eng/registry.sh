#!/usr/bin/env bash
# Runs Debian's distribution registry (docker-registry, v2.8) on loopback: the stand-in for ECR in tests.
#
# Usage:
#   eval "$(eng/registry.sh start [--auth])"   start (or keep) the registry; prints `export NAME=value` lines
#   eng/registry.sh env                        print the same lines for the registry that is running
#   eng/registry.sh stop                       stop it and wait until it has gone
#   eng/registry.sh run [--auth]               print the same lines, then exec the registry in the
#                                              foreground: for a harness that owns (and reaps) the process
#
# With --auth the registry asks for basic auth from an htpasswd file holding user AWS and a random token,
# which is exactly how ECR's authorization-token credentials are used.
#
# Settings (environment):
#   GRID_REGISTRY_PORT  port on 127.0.0.1 (default 5000; 0 picks a free one, read it from GRID_REGISTRY)
#   GRID_STATE_DIR      state root (default <repo>/artifacts/state); this script keeps config, storage,
#                       pid, log and credentials in $GRID_STATE_DIR/registry
#
# Printed by start/env/run: GRID_REGISTRY (host:port), DOTNET_CONTAINER_INSECURE_REGISTRIES (the SDK
# talks plain HTTP only to registries listed there, or to localhost), and with --auth
# GRID_REGISTRY_USER/GRID_REGISTRY_PASSWORD plus the SDK's credentials: DOTNET_CONTAINER_REGISTRY_UNAME/
# _PWORD serve the push and a base-image pull from that same registry, while a pull with no push (an
# archive publish) reads only DOTNET_CONTAINER_PULL_REGISTRY_UNAME/_PWORD. Without --auth all are unset.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=${GRID_STATE_DIR:-$root/artifacts/state}/registry
requested_port=${GRID_REGISTRY_PORT:-5000}
port=$requested_port
addr=127.0.0.1:$port
pidfile=$dir/registry.pid
envfile=$dir/registry.env
log=$dir/registry.log

die() { echo "registry: $*" >&2; exit 1; }
# shellcheck source=SCRIPTDIR/process-lib.sh
. "$root/eng/process-lib.sh"

# Our registry's pid if it is alive: it must still be the registry serving this state dir.
running_pid() { alive_pid "$pidfile" "docker-registry serve $dir/config.yml"; }

# HTTP status of GET /v2/: 200 without auth, 401 with auth, 000 while nothing listens.
v2_status() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$addr/v2/" 2>/dev/null || true
}

print_env() {
  [ -f "$envfile" ] || die "no registry state in $dir; run: eng/registry.sh start"
  cat "$envfile"
}

stop() {
  stop_pid "$pidfile" "docker-registry serve $dir/config.yml" || die "registry (pid $(cat "$pidfile")) did not stop"
  rm -f "$pidfile" "$envfile"
}

parse_auth() {
  local auth=false arg
  for arg in "$@"; do
    case $arg in
      --auth) auth=true ;;
      *) die "unknown option '$arg'; usage: eng/registry.sh start|run [--auth]" ;;
    esac
  done
  echo "$auth"
}

# Writes config.yml, with --auth the htpasswd file, and the env file, for this state dir and port.
prepare() {
  local auth=$1
  command -v docker-registry >/dev/null || die "docker-registry is not installed; run: eng/install-deps.sh"
  mkdir -p "$dir/data"
  if [ "$requested_port" = 0 ]; then
    port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    addr=127.0.0.1:$port
  fi

  local status
  status=$(v2_status)
  [ "$status" = "000" ] || die "something else already answers on $addr (HTTP $status); stop it or set GRID_REGISTRY_PORT"

  local auth_yaml=""
  if $auth; then
    [ -x /usr/bin/python3 ] || die "/usr/bin/python3 is missing; run: eng/install-deps.sh"
    # The token is kept per state dir so that restarting the registry does not invalidate what a caller
    # already holds; delete $dir/password to rotate it.
    if [ ! -s "$dir/password" ]; then
      (umask 077; head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' >"$dir/password")
    fi
    # htpasswd is not installed; the registry accepts bcrypt lines, which python3-bcrypt makes.
    /usr/bin/python3 - "$dir/password" "$dir/htpasswd" <<'PY' || die "cannot write htpasswd; is python3-bcrypt installed? run: eng/install-deps.sh"
import sys, bcrypt
password = open(sys.argv[1], 'rb').read().strip()
open(sys.argv[2], 'wb').write(b'AWS:' + bcrypt.hashpw(password, bcrypt.gensalt(rounds=5)) + b'\n')
PY
    auth_yaml="auth:
  htpasswd:
    realm: grid-registry
    path: $dir/htpasswd"
  fi

  cat >"$dir/config.yml" <<YAML
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: $addr
  secret: grid-local-test-registry
  headers:
    X-Content-Type-Options: [nosniff]
$auth_yaml
YAML
  echo "$auth" >"$dir/auth"
  echo "$port" >"$dir/port"

  {
    echo "export GRID_REGISTRY=$addr"
    echo "export DOTNET_CONTAINER_INSECURE_REGISTRIES=$addr"
    if $auth; then
      local password
      password=$(cat "$dir/password")
      echo "export GRID_REGISTRY_USER=AWS"
      echo "export GRID_REGISTRY_PASSWORD=$password"
      echo "export DOTNET_CONTAINER_REGISTRY_UNAME=AWS"
      echo "export DOTNET_CONTAINER_REGISTRY_PWORD=$password"
      echo "export DOTNET_CONTAINER_PULL_REGISTRY_UNAME=AWS"
      echo "export DOTNET_CONTAINER_PULL_REGISTRY_PWORD=$password"
    else
      echo "unset GRID_REGISTRY_USER GRID_REGISTRY_PASSWORD DOTNET_CONTAINER_REGISTRY_UNAME" \
        "DOTNET_CONTAINER_REGISTRY_PWORD DOTNET_CONTAINER_PULL_REGISTRY_UNAME DOTNET_CONTAINER_PULL_REGISTRY_PWORD"
    fi
  } >"$envfile"
}

start() {
  local auth
  auth=$(parse_auth "$@")

  # Idempotent: a registry already serving this state dir in the same mode is kept as it is.
  if running_pid >/dev/null; then
    if [ -f "$envfile" ] && [ "$(cat "$dir/auth" 2>/dev/null)" = "$auth" ] &&
       { [ "$requested_port" = 0 ] || [ "$(cat "$dir/port" 2>/dev/null)" = "$requested_port" ]; }; then
      print_env
      return
    fi
    stop
  fi

  prepare "$auth"
  : >"$log"
  # setsid and closed stdio: the registry outlives this script and must not hold the caller's
  # command-substitution pipe open, or `eval "$(eng/registry.sh start)"` would never return.
  setsid docker-registry serve "$dir/config.yml" </dev/null >>"$log" 2>&1 &
  local pid=$!
  echo "$pid" >"$pidfile"

  local _ status=000
  for _ in $(seq 1 200); do
    status=$(v2_status)
    case $status in 200|401) break ;; esac
    if ! running_pid >/dev/null; then
      wait "$pid" 2>/dev/null || true
      cat "$log" >&2
      rm -f "$pidfile" "$envfile"
      die "docker-registry exited before answering on $addr"
    fi
    sleep 0.05
  done
  case $status in
    200|401) ;;
    *) cat "$log" >&2; stop; die "no answer from http://$addr/v2/ after 10 s" ;;
  esac
  print_env
}

run() {
  local auth
  auth=$(parse_auth "$@")
  ! running_pid >/dev/null || die "a registry started by 'start' is running for $dir; run: eng/registry.sh stop"
  prepare "$auth"
  print_env
  echo "$$" >"$pidfile"
  : >"$log"
  exec docker-registry serve "$dir/config.yml" </dev/null >>"$log" 2>&1
}

case ${1:-} in
  start) shift; start "$@" ;;
  run) shift; run "$@" ;;
  stop) stop ;;
  env)
    running_pid >/dev/null || die "no registry is running for $dir; run: eng/registry.sh start"
    print_env
    ;;
  *) die "usage: eng/registry.sh start [--auth] | run [--auth] | stop | env" ;;
esac
