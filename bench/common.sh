# Helpers for the benchmarks: a private platform on a free loopback port, and timing.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MICROCF=${MICROCF:-$ROOT/build/microcf}
[ -x "$MICROCF" ] || { echo "build microcf first: scripts/setup.sh"; exit 1; }
BENCH_TMP=$(mktemp -d /tmp/microcf-bench.XXXXXX)
export MICROCF_HOME="$BENCH_TMP/home"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
UP_PID=""
UP_FLAGS=()  # MICROCF_BENCH_SUBNET: the containers' subnet, so that a bench can run beside tests
if [ -n "${MICROCF_BENCH_SUBNET:-}" ]; then UP_FLAGS+=(--subnet "$MICROCF_BENCH_SUBNET"); fi
now_ms() { date +%s%3N; }
start_platform() {
  "$MICROCF" up --port "$PORT" "${UP_FLAGS[@]}" >> "$BENCH_TMP/up.log" 2>&1 &
  UP_PID=$!
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://api.localhost:$PORT/v3/info")" = 200 ]; do sleep 0.005; done
}
stop_platform() {
  [ -n "$UP_PID" ] || return 0
  kill -TERM "$UP_PID" 2>/dev/null || true
  wait "$UP_PID" 2>/dev/null || true
  UP_PID=""
}
rss_kb() { awk '/VmRSS/{print $2}' "/proc/$1/status"; }
median() { sort -n | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
cleanup() { stop_platform; pkill -9 -f "$BENCH_TMP" 2>/dev/null || true; rm -rf "$BENCH_TMP"; }
trap cleanup EXIT
