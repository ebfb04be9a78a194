#!/usr/bin/env bash
# Writes the podman settings that work on these machines into a state dir and prints the
# `export CONTAINERS_CONF=... CONTAINERS_STORAGE_CONF=... CONTAINERS_REGISTRIES_CONF=...` lines.
#
# Usage: eval "$(eng/podman-env.sh)"    before the very first podman (or skopeo) call
#
# Why each setting (see environment notes):
#   - default_ulimits: podman's defaults need CAP_SYS_RESOURCE, which root here does not have.
#   - runtime = "runc": crun 1.8 refuses this host's hybrid cgroup layout.
#   - cgroupfs, file events: there is no systemd or journald.
#   - overlay storage in our own graphroot: a database first created without it makes every attached
#     `podman run` hang about 20 s on exit, which is why these must be in place from the first call.
#   - the loopback registry (GRID_REGISTRY, and localhost on the same port) is plain HTTP.
#
# Settings (environment):
#   GRID_STATE_DIR      state root (default <repo>/artifacts/state); files go to $GRID_STATE_DIR/podman
#   GRID_REGISTRY       the loopback registry, host:port (default 127.0.0.1:${GRID_REGISTRY_PORT:-5000})
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=${GRID_STATE_DIR:-$root/artifacts/state}/podman
registry=${GRID_REGISTRY:-127.0.0.1:${GRID_REGISTRY_PORT:-5000}}
port=${registry##*:}

mkdir -p "$dir/storage" "$dir/run" "$dir/tmp" "$dir/cni"

# Writes a file only when its content changes, so that repeated calls leave podman's state untouched.
write() {
  local path=$1 content
  content=$(cat)
  if [ ! -f "$path" ] || [ "$(cat "$path")" != "$content" ]; then
    printf '%s\n' "$content" >"$path.tmp"
    mv "$path.tmp" "$path"
  fi
}

write "$dir/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$dir/tmp"

[network]
network_backend = "cni"
network_config_dir = "$dir/cni"
EOF

write "$dir/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$dir/storage"
runroot = "$dir/run"
EOF

locations=("$registry")
[ "$registry" = "localhost:$port" ] || locations+=("localhost:$port")
write "$dir/registries.conf" < <(
  echo 'unqualified-search-registries = []'
  for location in "${locations[@]}"; do
    printf '\n[[registry]]\nlocation = "%s"\ninsecure = true\n' "$location"
  done
)

printf 'export CONTAINERS_CONF=%q\n' "$dir/containers.conf"
printf 'export CONTAINERS_STORAGE_CONF=%q\n' "$dir/storage.conf"
printf 'export CONTAINERS_REGISTRIES_CONF=%q\n' "$dir/registries.conf"
