#!/usr/bin/env bash
# Builds an offline .NET runtime base image from this machine's own files and pushes it to the loopback
# registry, because the SDK's container support only takes a base image from a registry and MCR is out
# of reach. The image holds the dotnet host, hostfxr and the Microsoft.NETCore.App runtime that the
# pinned SDK targets, the shared libraries they load (ldd closure, plus OpenSSL 3, ICU 72 and zlib that
# the runtime dlopens), an `app` user (uid 1654), a CA bundle and empty /proc /sys /dev /tmp: one layer.
#
# Like Microsoft's runtime images it keeps User unset (root) and sets APP_UID=1654: the SDK reads
# APP_UID from the base image and makes it the User of the app image when ContainerUser is not set.
#
# The build is reproducible: the same machine state gives the same manifest digest (sorted tar with
# fixed mtime and owners, creation and history times fixed at the epoch).
#
# Usage: eval "$(eng/registry.sh start)"; eng/base-image.sh
#   prints the pushed reference with its digest, e.g. 127.0.0.1:5000/dotnet/runtime:10.0@sha256:...
#
# Settings (environment):
#   GRID_REGISTRY                 registry host:port (default 127.0.0.1:${GRID_REGISTRY_PORT:-5000})
#   GRID_REGISTRY_USER/_PASSWORD  credentials, when the registry was started with --auth
#   GRID_BASE_IMAGE_REPOSITORY    repository (default dotnet/runtime); the tag is the runtime's major.minor
#   GRID_STATE_DIR                state root (default <repo>/artifacts/state); work goes to .../base-image
set -euo pipefail
umask 022
export LC_ALL=C

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=${GRID_STATE_DIR:-$root/artifacts/state}/base-image
registry=${GRID_REGISTRY:-127.0.0.1:${GRID_REGISTRY_PORT:-5000}}
repository=${GRID_BASE_IMAGE_REPOSITORY:-dotnet/runtime}
epoch=1970-01-01T00:00:00Z
app_uid=1654

die() { echo "base-image: $*" >&2; exit 1; }

for tool in umoci skopeo tar ldd; do
  command -v "$tool" >/dev/null || die "$tool is not installed; run: eng/install-deps.sh"
done
case $(uname -m) in
  x86_64) arch=amd64 triplet=x86_64-linux-gnu ;;
  aarch64) arch=arm64 triplet=aarch64-linux-gnu ;;
  *) die "unsupported architecture $(uname -m)" ;;
esac

# The runtime the pinned SDK (global.json) targets, taken from the SDK's own bundled-versions file.
dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
sdk_version=$(cd "$root" && dotnet --version)
runtime_version=$(sed -n 's:.*<BundledNETCoreAppPackageVersion>\(.*\)</BundledNETCoreAppPackageVersion>.*:\1:p' \
  "$dotnet_root/sdk/$sdk_version/Microsoft.NETCoreSdk.BundledVersions.props")
runtime_dir=$dotnet_root/shared/Microsoft.NETCore.App/$runtime_version
[ -d "$runtime_dir" ] || die "SDK $sdk_version targets runtime $runtime_version, which is not in $dotnet_root/shared"
fxr_version=$(find "$dotnet_root/host/fxr" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)
tag=${runtime_version%.*}
reference=$registry/$repository:$tag

rootfs=$work/rootfs
layout=$work/oci
rm -rf "$rootfs" "$work/layer.tar"
mkdir -p "$rootfs"

# Debian 12 is merged-/usr: keep the same shape so that the paths ldd prints resolve inside the image.
mkdir -p "$rootfs"/usr/{bin,sbin,lib,lib64,share} "$rootfs"/usr/lib/"$triplet"
ln -s usr/bin "$rootfs/bin"
ln -s usr/sbin "$rootfs/sbin"
ln -s usr/lib "$rootfs/lib"
ln -s usr/lib64 "$rootfs/lib64"

# Copies a path and, when it is a symlink, everything its chain points to, at the same paths.
copy_path() {
  local p=$1 target
  while :; do
    if [ ! -e "$rootfs$p" ] && [ ! -L "$rootfs$p" ]; then
      cp -a --parents "$p" "$rootfs"
    fi
    [ -L "$p" ] || break
    target=$(readlink "$p")
    case $target in
      /*) p=$target ;;
      *) p=$(dirname "$p")/$target ;;
    esac
  done
}

# The runtime, hostfxr and the muxer; /usr/bin/dotnet as in Microsoft's images.
dest=$rootfs/usr/share/dotnet
mkdir -p "$dest/host/fxr" "$dest/shared/Microsoft.NETCore.App"
cp -a "$dotnet_root/dotnet" "$dotnet_root/LICENSE.txt" "$dotnet_root/ThirdPartyNotices.txt" "$dest/"
cp -a "$dotnet_root/host/fxr/$fxr_version" "$dest/host/fxr/"
cp -a "$runtime_dir" "$dest/shared/Microsoft.NETCore.App/"
ln -s ../share/dotnet/dotnet "$rootfs/usr/bin/dotnet"

# Shared libraries: what ldd names for the host and every native runtime library, plus what the runtime
# dlopens by name (OpenSSL 3 for crypto and TLS, ICU 72 for globalization, zlib).
libdir=/usr/lib/$triplet
dlopened=("$libdir/libssl.so.3" "$libdir/libcrypto.so.3" "$libdir/libz.so.1")
for icu in "$libdir"/libicuuc.so.[0-9]* "$libdir"/libicui18n.so.[0-9]* "$libdir"/libicudata.so.[0-9]*; do
  case $icu in *.so.[0-9][0-9]) dlopened+=("$icu") ;; esac
done
[ "${#dlopened[@]}" -ge 6 ] || die "OpenSSL 3, ICU or zlib is missing from $libdir"
libs=$(
  for f in "$dotnet_root/dotnet" "$dest/host/fxr/$fxr_version"/*.so "$runtime_dir"/*.so "${dlopened[@]}"; do
    # libcoreclrtraceptprovider.so wants LTTng, which the runtime treats as optional (as on the host).
    ldd "$f" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
  done | sort -u
)
for lib in $libs "${dlopened[@]}"; do
  copy_path "$lib"
done

# Users, CA bundle (at the path OpenSSL looks for it), and the empty mount points a runtime fills.
mkdir -p "$rootfs/etc/ssl/certs" "$rootfs/usr/lib/ssl" "$rootfs"/{proc,sys,dev,tmp,root,home/app}
chmod 1777 "$rootfs/tmp"
chmod 700 "$rootfs/root"
cp "$(readlink -f /etc/ssl/certs/ca-certificates.crt)" "$rootfs/etc/ssl/certs/ca-certificates.crt"
ln -s /etc/ssl/certs "$rootfs/usr/lib/ssl/certs"
ln -s /etc/ssl/certs/ca-certificates.crt "$rootfs/usr/lib/ssl/cert.pem"
printf 'root:x:0:0:root:/root:/usr/sbin/nologin\napp:x:%s:%s:app:/home/app:/usr/sbin/nologin\n' "$app_uid" "$app_uid" >"$rootfs/etc/passwd"
printf 'root:x:0:\napp:x:%s:\n' "$app_uid" >"$rootfs/etc/group"
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$rootfs/etc/nsswitch.conf"
chmod 644 "$rootfs/etc/passwd" "$rootfs/etc/group" "$rootfs/etc/nsswitch.conf"
chmod 755 "$rootfs"

# One reproducible layer: sorted names, fixed mtime, numeric owners, no pax headers (they carry pids and
# times). Everything is root's except the app user's home, appended with its own owner.
tar_flags=(--format=gnu --sort=name --mtime=@0 --numeric-owner)
tar -C "$rootfs" "${tar_flags[@]}" --owner=0 --group=0 --exclude=./home/app -cf "$work/layer.tar" .
tar -C "$rootfs" "${tar_flags[@]}" --owner="$app_uid" --group="$app_uid" -rf "$work/layer.tar" ./home/app

quiet() {
  local out
  out=$("$@" 2>&1) || { printf '%s\n' "$out" >&2; die "failed: $*"; }
}

# Compressing the layer is most of the time; the same layer bytes and the same script give the same
# image, so an OCI layout built from them before is reused as it is.
key=$(cat "$work/layer.tar" "${BASH_SOURCE[0]}" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$layout/.grid-key" 2>/dev/null)" != "$key" ]; then
  rm -rf "$layout"
  quiet umoci init --layout "$layout"
  quiet umoci new --image "$layout:runtime"
  quiet umoci raw add-layer --image "$layout:runtime" --history.created "$epoch" \
    --history.created_by "eng/base-image.sh: .NET $runtime_version runtime from the host" "$work/layer.tar"
  # No labels: an app image inherits the base image's labels, so a title here would name every app.
  quiet umoci config --image "$layout:runtime" --no-history --created "$epoch" \
    --os linux --architecture "$arch" \
    --config.env "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/share/dotnet" \
    --config.env "DOTNET_ROOT=/usr/share/dotnet" \
    --config.env "DOTNET_VERSION=$runtime_version" \
    --config.env "DOTNET_RUNNING_IN_CONTAINER=true" \
    --config.env "APP_UID=$app_uid" \
    --config.workingdir /app
  echo "$key" >"$layout/.grid-key"
fi

# skopeo needs a signature policy; ours accepts anything, independent of /etc/containers.
printf '{"default":[{"type":"insecureAcceptAnything"}]}\n' >"$work/policy.json"
creds=()
if [ -n "${GRID_REGISTRY_USER:-}" ]; then
  creds=(--dest-creds "$GRID_REGISTRY_USER:${GRID_REGISTRY_PASSWORD:-}")
fi
quiet skopeo --policy "$work/policy.json" copy --quiet --preserve-digests --dest-tls-verify=false \
  "${creds[@]}" --digestfile "$work/digest" "oci:$layout:runtime" "docker://$reference"

echo "$reference@$(cat "$work/digest")"
