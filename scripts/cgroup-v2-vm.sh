#!/usr/bin/env bash
# Runs the cgroup tests (src/runner/cgroups*_test.cpp) on cgroup v2 with its controllers, in a
# small VM: for hybrid hosts, whose memory, pids and cpu controllers are bound to cgroup v1 and
# cannot move to v2 without unmounting the host's v1 hierarchies. The VM boots Debian's kernel
# with an initramfs of busybox, unit_tests and its libraries, mounts cgroup2 alone at
# /sys/fs/cgroup (so Cgroups::open picks v2, and the v2-only test runs too), and powers off.
# The host keeps its mounts; apt-get installs qemu-system-x86 and busybox-static if missing,
# and the kernel package is downloaded (not installed) into BUILD_DIR/cgroup-v2-vm.
#   scripts/cgroup-v2-vm.sh [BUILD_DIR (default build)] [doctest filter (default -sf=*cgroups*)]
# Exits with unit_tests' status. Emulated (TCG): nested KVM may hang at boot; it takes ~10 s.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
filter=${2:--sf=*cgroups*}
[ -x "$build/unit_tests" ] || { echo "build the tests first: ninja -C $build unit_tests"; exit 1; }

if ! command -v qemu-system-x86_64 >/dev/null || [ ! -x /bin/busybox ] ||
    ! file -L /bin/busybox | grep -q 'statically linked'; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    qemu-system-x86 busybox-static >/dev/null
fi

cache="$build/cgroup-v2-vm"
mkdir -p "$cache"
kernel=$(ls "$cache"/k/boot/vmlinuz-* 2>/dev/null | head -1 || true)
if [ -z "$kernel" ]; then
  image=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
  [ -n "$image" ] || { echo "no Debian kernel package found: apt-get update first"; exit 1; }
  # (apt warns that its _apt user cannot write there and downloads as root: harmless)
  # Only the kernel is kept: the tests need no module.
  (cd "$cache" && apt-get download -qq "$image" 2>/dev/null && dpkg-deb -x "$image"_*.deb k &&
    rm -r "$image"_*.deb k/lib k/usr)
  kernel=$(ls "$cache"/k/boot/vmlinuz-* | head -1)
fi

tmp=$(mktemp -d /tmp/microcf-cgroup-v2-vm.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
root="$tmp/root"
mkdir -p "$root"/{bin,proc,sys,dev,tmp}
cp /bin/busybox "$root/bin/busybox"
cp "$build/unit_tests" "$root/unit_tests"
for lib in $(ldd "$build/unit_tests" | grep -o '/[^ ]*'); do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
cat > "$root/init" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t cgroup2 cgroup2 /sys/fs/cgroup
echo "== kernel \$(uname -r), cgroup2 controllers: \$(cat /sys/fs/cgroup/cgroup.controllers)"
/unit_tests '$filter' --no-colors=true
echo "== unit_tests exit \$?"
poweroff -f
EOF
chmod +x "$root/init"
(cd "$root" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1 > "$tmp/initrd.gz")

timeout 600 qemu-system-x86_64 -accel tcg -cpu max -m 1536 -nographic -no-reboot \
  -kernel "$kernel" -initrd "$tmp/initrd.gz" \
  -append "console=ttyS0 quiet panic=-1 rdinit=/init" > "$tmp/console.log" 2>&1 || true
# The console from our init on (after the firmware's screen), what the tests printed.
sed -n '/== kernel/,$p' "$tmp/console.log" | tr -d '\r' | sed 's/^.*== kernel/== kernel/'
status=$(sed -n 's/.*== unit_tests exit \([0-9]*\).*/\1/p' "$tmp/console.log" | tail -1)
[ -n "$status" ] || { echo "the VM did not finish the tests (see above)"; exit 1; }
exit "$status"
