#!/usr/bin/env bash
# Time from `microcf push examples/static` to the first HTTP 200 through the router, for a
# first push and for a second push of the same app.   bench/push.sh [ROUNDS]
source "$(dirname "$0")/common.sh"
rounds=${1:-5}
start_platform
first=() second=()
for i in $(seq 1 "$rounds"); do
  name="bench$i"
  url="http://$name.localhost:$PORT/"
  for which in first second; do
    t0=$(now_ms)
    "$MICROCF" push "$name" -p "$ROOT/examples/static" -b staticfile_buildpack -m 64M > "$BENCH_TMP/push.log" 2>&1 \
      || { cat "$BENCH_TMP/push.log"; exit 1; }
    until [ "$(curl -s -o /dev/null -w '%{http_code}' "$url")" = 200 ]; do sleep 0.005; done
    ms=$(( $(now_ms) - t0 ))
    if [ $which = first ]; then first+=($ms); else second+=($ms); fi
  done
  "$MICROCF" delete "$name" -f > /dev/null
done
echo "push static → first 200, new app:        median $(printf '%s\n' "${first[@]}" | median) ms over $rounds"
echo "push static → first 200, same app again: median $(printf '%s\n' "${second[@]}" | median) ms over $rounds"
