#!/usr/bin/env bash
# stemcell/build-bookworm.sh: builds the `bookworm` stack, a Debian 12 root filesystem with
# the runtimes the shipped buildpacks call, as a versioned, checksummed tarball.
#
#   build-bookworm.sh [--output DIR] [--mirror URL] [--work DIR]
#
# Writes into DIR (default $MICROCF_HOME/stemcells, MICROCF_HOME defaulting to ~/.microcf):
#   bookworm-<version>.tar.gz         the root filesystem (paths start with ./)
#   bookworm-<version>.tar.gz.sha256  "<sha256>  bookworm-<version>.tar.gz"
#   bookworm-<version>.json           {name, version, sha256, tarball, description, ...}
# <version> is the build date and the first 8 hex digits of the sha256 of the installed
# package set (name=version lines), so the same packages on the same day give the same name.
# microcf finds the stack there at `up`, or when it next lists or looks up stacks.
#
# Needs root (debootstrap, chroot) and the Debian mirror: by default the first bookworm
# mirror of /etc/apt/sources.list{,.d}; --mirror or MICROCF_DEBIAN_MIRROR overrides it.
set -euo pipefail

NAME=bookworm
SUITE=bookworm
# What the shipped buildpacks and the lifecycle call (see buildpacks/*/bin, buildpacks/*/lib):
# bash, coreutils, sed, grep, find, tar/gzip/unzip for archives, python3 (+pip, venv),
# node and npm; ca-certificates for TLS. passwd (useradd) comes with minbase.
PACKAGES=(bash coreutils sed grep findutils tar gzip unzip ca-certificates
          python3 python3-venv python3-pip nodejs npm)

home=${MICROCF_HOME:-${HOME:-/root}/.microcf}
output="$home/stemcells"
mirror=${MICROCF_DEBIAN_MIRROR:-}
work=""

usage() { sed -n '2,16s/^# \{0,1\}//p' "$0"; }
while [ $# -gt 0 ]; do
  case $1 in
    --output) output=$2; shift 2 ;;
    --output=*) output=${1#*=}; shift ;;
    --mirror) mirror=$2; shift 2 ;;
    --mirror=*) mirror=${1#*=}; shift ;;
    --work) work=$2; shift 2 ;;
    --work=*) work=${1#*=}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "build-bookworm.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

die() { echo "build-bookworm.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root: debootstrap and chroot need it"
command -v debootstrap >/dev/null || die "debootstrap is not installed (apt-get install debootstrap)"

# The machine's configured Debian mirror for bookworm (one-line or deb822 sources).
find_mirror() {
  local f
  if [ -f /etc/apt/sources.list ]; then
    awk -v s="$SUITE" '$1 == "deb" && $0 ~ (" " s " ") && $0 !~ /security/ {
        for (i = 2; i <= NF; i++) if ($i ~ /^(https?|file):/) { print $i; exit } }' \
      /etc/apt/sources.list
  fi
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v s="$SUITE" 'BEGIN { RS = ""; FS = "\n" }
      { uris = ""; suites = ""
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^URIs:/) { uris = $i; sub(/^URIs:[ \t]*/, "", uris) }
          if ($i ~ /^Suites:/) { suites = " " $i " " }
        }
        if (uris != "" && suites ~ (" " s " ") && uris !~ /security/) { split(uris, u, " "); print u[1] }
      }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk -v s="$SUITE" '$1 == "deb" && $0 ~ (" " s " ") && $0 !~ /security/ {
        for (i = 2; i <= NF; i++) if ($i ~ /^(https?|file):/) { print $i; exit } }' "$f"
  done
}
if [ -z "$mirror" ]; then
  mirror=$(find_mirror | head -n1)
  [ -n "$mirror" ] || mirror=http://deb.debian.org/debian
fi

mkdir -p "$output"
output=$(cd "$output" && pwd)
[ -n "$work" ] || work=$(mktemp -d "${TMPDIR:-/tmp}/microcf-stemcell.XXXXXX")
mkdir -p "$work"
root="$work/rootfs"
cleanup() {
  # A failed chroot step can leave /proc mounted in the tree; never leave a mount behind.
  umount -l "$root/proc" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
rm -rf "$root"

started=$(date +%s)
echo "-----> debootstrap --variant=minbase $SUITE from $mirror"
if ! debootstrap --variant=minbase --components=main "$SUITE" "$root" "$mirror" \
    > "$work/debootstrap.log" 2>&1; then
  tail -n 30 "$work/debootstrap.log" >&2
  [ -f "$root/debootstrap/debootstrap.log" ] && tail -n 30 "$root/debootstrap/debootstrap.log" >&2
  die "debootstrap failed (log above); check that $mirror is reachable or pass --mirror URL"
fi

# apt resolves the runtimes' dependencies (debootstrap's --include resolver cannot: npm's
# node-* tree fails to configure that way).
echo "-----> apt-get install ${PACKAGES[*]}"
mount -t proc proc "$root/proc"
if ! chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 sh -c \
    'apt-get update && apt-get install -y --no-install-recommends "$@"' sh "${PACKAGES[@]}" \
    > "$work/apt.log" 2>&1; then
  tail -n 30 "$work/apt.log" >&2
  die "apt-get install failed in the new root (log above)"
fi
umount "$root/proc"

echo "-----> adding user vcap (2000:2000, /home/vcap)"
chroot "$root" groupadd --gid 2000 vcap
chroot "$root" useradd --uid 2000 --gid 2000 --home-dir /home/vcap --create-home \
  --shell /bin/bash vcap

echo "-----> removing caches, logs and device nodes"
chroot "$root" apt-get clean
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
  "$root"/var/cache/debconf/*-old "$root"/var/lib/dpkg/*-old "$root"/var/cache/ldconfig/aux-cache \
  "$root"/root/.cache "$root"/tmp/* "$root"/var/tmp/*
find "$root/var/log" -type f -delete
find "$root/dev" -mindepth 1 -delete   # the runner mounts its own /dev
# Generated per container by microcf (hostname, hosts, resolv.conf); no host identity inside.
rm -f "$root/etc/hostname" "$root/etc/resolv.conf" "$root/etc/machine-id"
: > "$root/etc/machine-id"

hash=$(chroot "$root" dpkg-query -W -f '${Package}=${Version}\n' | LC_ALL=C sort | sha256sum | cut -c1-8)
version="$(date -u +%Y%m%d)-$hash"
os=$(. "$root/etc/os-release" && echo "$PRETTY_NAME")
tarball="$NAME-$version.tar.gz"

echo "-----> writing $tarball"
# Deterministic as far as tar allows: sorted names, one mtime, numeric owners, no atime/ctime.
epoch=${SOURCE_DATE_EPOCH:-$(date -u -d "$(date -u +%F)" +%s)}
tar -C "$root" --sort=name --mtime="@$epoch" --numeric-owner --format=posix \
  --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
  -cf - . | gzip -n -6 > "$work/$tarball"
sha=$(sha256sum "$work/$tarball" | cut -d' ' -f1)
size=$(stat -c %s "$work/$tarball")
mv "$work/$tarball" "$output/$tarball"
echo "$sha  $tarball" > "$output/$tarball.sha256"
cat > "$output/$NAME-$version.json.new" <<JSON
{
  "name": "$NAME",
  "version": "$version",
  "tarball": "$tarball",
  "sha256": "$sha",
  "size": $size,
  "description": "$os root filesystem with bash, coreutils, python3, nodejs and npm",
  "packages": [$(printf '"%s",' "${PACKAGES[@]}" | sed 's/,$//')],
  "mirror": "$mirror"
}
JSON
mv "$output/$NAME-$version.json.new" "$output/$NAME-$version.json"
echo "-----> stack $NAME $version: $output/$tarball ($((size / 1024 / 1024)) MiB, sha256 $sha) in $(( $(date +%s) - started ))s"
