#!/usr/bin/env bash
# Container start: create + run /bin/true + destroy in microcf's runner against `crun run` and
# `runc run` on the same root filesystem (the host's /usr, read-only, as microcf's host stack),
# interleaved in blocks so that a busy moment hurts all three alike; then 200 concurrent
# sleeping containers and what each adds to the machine's memory.
#   bench/containers.sh [RUNS (default 100)] [SLEEPERS (default 200)]
# Needs root. Installs crun and runc with apt-get if they are missing. As PEERS-BENCH.md says,
# crun refuses hybrid cgroup hosts, so everything runs in a private mount namespace with
# /sys/fs/cgroup/unified unmounted there (the host's mounts stay as they are).
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "bench/containers.sh needs root (containers)"; exit 1; }
runs=${1:-100} sleepers=${2:-200}
block=10

if ! command -v crun >/dev/null || ! command -v runc >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq crun runc >/dev/null
fi

if [ "${MICROCF_BENCH_INNER:-}" != 1 ]; then
  exec unshare --mount --propagation private env MICROCF_BENCH_INNER=1 bash "$0" "$@"
fi
if mountpoint -q /sys/fs/cgroup/unified; then umount /sys/fs/cgroup/unified; fi
source "$(dirname "$0")/common.sh"  # here, in the private namespace: it makes a temp dir
TMP=$BENCH_TMP
# The bundle: an empty root with the host's top-level links and /usr bound read-only.
rootfs="$TMP/bundle/rootfs"
mkdir -p "$rootfs"/{usr,proc,dev,etc,tmp,sys}
for d in bin sbin lib lib64; do
  if [ -L "/$d" ]; then ln -s "$(readlink "/$d")" "$rootfs/$d"; elif [ -d "/$d" ]; then mkdir "$rootfs/$d"; fi
done
(cd "$TMP/bundle" && crun spec)
python3 - "$TMP/bundle/config.json" <<'PY'
import json, sys
path = sys.argv[1]
c = json.load(open(path))
c["process"]["args"] = ["/bin/true"]
c["process"]["terminal"] = False
c["root"] = {"path": "rootfs", "readonly": True}
c["mounts"].append({"destination": "/usr", "type": "bind", "source": "/usr", "options": ["rbind", "ro"]})
json.dump(c, open(path, "w"), indent=2)
PY

now_us() { echo $(( $(date +%s%N) / 1000 )); }
timed() {  # timed FILE CMD...: appends the command's wall time in ms
  local t0 t1
  t0=$(now_us); "${@:2}" >/dev/null 2>&1 || { echo "failed: ${*:2}" >&2; exit 1; }; t1=$(now_us)
  awk -v d=$((t1 - t0)) 'BEGIN { printf "%.3f\n", d / 1000 }' >> "$1"
}
n=0
while [ "$n" -lt "$runs" ]; do
  for i in $(seq 1 $block); do timed "$TMP/crun" crun run --bundle "$TMP/bundle" "b$n-$i"; done
  for i in $(seq 1 $block); do timed "$TMP/runc" runc run --bundle "$TMP/bundle" "b$n-$i"; done
  "$MICROCF" __runner-bench runs $block | awk '{print $2}' >> "$TMP/microcf"
  n=$((n + block))
done

stats() {  # stats FILE: min median p90
  sort -n "$1" | awk '{a[NR]=$1} END {
    printf "%8.2f %8.2f %8.2f", a[1], (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2), a[int(NR * 0.9 + 0.5)] }'
}
crun_median=$(median < "$TMP/crun")
echo "create + run /bin/true + destroy, $runs runs each, interleaved in blocks of $block (ms)"
printf '%-10s %8s %8s %8s %8s\n' runner min median p90 "vs crun"
for r in microcf crun runc; do
  printf '%-10s %s %8.2f\n' "$r" "$(stats "$TMP/$r")" "$(awk -v m="$(median < "$TMP/$r")" -v c="$crun_median" 'BEGIN { print m / c }')"
done

read -r _ count secs kernel_kib rss_kib < <("$MICROCF" __runner-bench sleepers "$sleepers")
echo "$count concurrent sleeping containers: started in $secs s; each adds $kernel_kib KiB to the machine's used memory and $rss_kib KiB to microcf's RSS"
