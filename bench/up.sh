#!/usr/bin/env bash
# Time from `microcf up` to a 200 on /v3/info (fresh and existing data dir), and microcf's
# RSS when idle with 0 and with 5 apps.   bench/up.sh [ROUNDS]
source "$(dirname "$0")/common.sh"
rounds=${1:-5}
fresh=() warm=()
for i in $(seq 1 "$rounds"); do
  rm -rf "$MICROCF_HOME"
  t0=$(now_ms); start_platform; fresh+=($(( $(now_ms) - t0 ))); stop_platform
  t0=$(now_ms); start_platform; warm+=($(( $(now_ms) - t0 ))); stop_platform
done
echo "up → /v3/info 200, fresh data dir:    median $(printf '%s\n' "${fresh[@]}" | median) ms over $rounds"
echo "up → /v3/info 200, existing data dir: median $(printf '%s\n' "${warm[@]}" | median) ms over $rounds"

start_platform
sleep 1
echo "RSS idle, 0 apps: $(rss_kb "$UP_PID") KiB"
for n in 1 2 3 4 5; do
  "$MICROCF" push "app$n" -p "$ROOT/examples/static" -b staticfile_buildpack -m 64M > /dev/null
done
sleep 2
echo "RSS idle, 5 apps: $(rss_kb "$UP_PID") KiB (microcf itself; each app's static server is its own process)"
echo "one static instance, as 'microcf app' reports it: $("$MICROCF" app app1 | awk '/^#0/{print $5, $6, $7}')"
