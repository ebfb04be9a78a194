#!/usr/bin/env bash
# Installs the Debian packages that Grid's tests need: the distribution registry, podman on runc, umoci
# and skopeo for building and copying images, python3-bcrypt for htpasswd lines, the aws CLI that checks the
# cloud-in-a-box, and headless Chromium for rendering the run report.
# Only packages that are missing are installed; when nothing is missing apt is not touched at all.
#
# Usage: eng/install-deps.sh          (as root, Debian 12; non-interactive)
set -euo pipefail

packages=(
  docker-registry             # the distribution registry (v2.8), our stand-in for ECR
  podman runc conmon          # container runtime; runc because crun 1.8 refuses this host's cgroups
  catatonit                   # podman's --init binary
  containernetworking-plugins # podman 4.3's network stack (bridge, and loopback for --network=none)
  iptables                    # the CNI bridge and firewall plugins program it
  uidmap fuse-overlayfs slirp4netns # rootless podman; harmless as root
  umoci skopeo                # build an OCI image from a tarball; copy it to a registry
  python3-bcrypt              # bcrypt lines for the registry's htpasswd file (htpasswd is not installed)
  python3-jsonschema          # an independent check of grid.json against docs/grid-manifest.schema.json
  awscli python3-botocore     # the independent check that the cloud-in-a-box speaks AWS (/usr/bin/aws, botocore's models)
  chromium fonts-dejavu-core  # renders report.html in the report tests (screenshot, DOM after its script ran)
  jq curl ca-certificates tar
)

start=$(date +%s.%N)

missing=()
for p in "${packages[@]}"; do
  if [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" != "installed" ]; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing ${missing[*]}; run this script as root" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  # A package's postinst must not start a system registry on port 5000 behind our back: deny service
  # starts for the duration of the install unless the machine already has a policy.
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  log=$(mktemp)
  if ! { apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "install-deps: apt-get failed installing: ${missing[*]}" >&2
    exit 1
  fi
  rm -f "$log"
fi

end=$(date +%s.%N)
awk -v n="${#missing[@]}" -v s="$start" -v e="$end" 'BEGIN { printf "install-deps: %d package(s) installed in %.1f s\n", n, e - s }'
