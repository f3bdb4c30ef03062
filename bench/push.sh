#!/usr/bin/env bash
# Push times for the static, node and python examples: a new app, the same app pushed again
# unchanged, and again with one changed file. Each is timed from `microcf push` to the first
# HTTP 200 through the router, with the phases `microcf push` reports (package, upload and
# bytes sent, stage, start, route ready); medians over the rounds. Each round runs on a new
# platform (new data dir, logged in before the timing): its resource pool has none of the
# files yet, so "new" is a first push.
#   bench/push.sh [ROUNDS (default 5)] [EXAMPLES (default "static node python")]
source "$(dirname "$0")/common.sh"
rounds=${1:-5} examples=${2:-static node python}
to_ms() {  # "1.56s" / "43ms" → 43
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /ms$/) printf "%d", n; else printf "%d", n * 1000 }'
}
declare -A total phase
cases=(new unchanged changed)
for ex in $examples; do
  for i in $(seq 1 "$rounds"); do
    stop_platform
    rm -rf "$MICROCF_HOME"
    start_platform
    "$MICROCF" apps > /dev/null  # logs in
    name="bench-$ex-$i"
    dir="$BENCH_TMP/$name"
    cp -r "$ROOT/examples/$ex" "$dir"
    rm -f "$dir/manifest.yml"
    url="http://$name.localhost:$PORT/"
    for c in "${cases[@]}"; do
      [ "$c" = changed ] && echo "$name" > "$dir/bench-changed.txt"
      t0=$(now_ms)
      "$MICROCF" push "$name" -p "$dir" -m 128M > "$BENCH_TMP/push.log" 2>&1 \
        || { cat "$BENCH_TMP/push.log"; exit 1; }
      until [ "$(curl -s -o /dev/null -w '%{http_code}' "$url")" = 200 ]; do sleep 0.005; done
      total[$ex.$c]+="$(( $(now_ms) - t0 )) "
      line=$(grep '^Push took' "$BENCH_TMP/push.log") || { cat "$BENCH_TMP/push.log"; exit 1; }
      for p in package upload stage start; do
        v=$(sed -E "s/.* $p ([0-9.]+m?s).*/\1/" <<< "$line")
        phase[$ex.$c.$p]+="$(to_ms "$v") "
      done
      phase[$ex.$c.sent]+="$(sed -E 's/.*\(([^ ]+) sent\).*/\1/' <<< "$line") "
    done
    "$MICROCF" delete "$name" -f > /dev/null
  done
done
med() { tr ' ' '\n' <<< "$1" | grep . | median; }
printf '%-8s %-10s %9s %9s %9s %9s %9s %10s\n' example push total_ms package upload stage start sent
for ex in $examples; do
  for c in "${cases[@]}"; do
    printf '%-8s %-10s %9s %9s %9s %9s %9s %10s\n' "$ex" "$c" "$(med "${total[$ex.$c]}")" \
      "$(med "${phase[$ex.$c.package]}")" "$(med "${phase[$ex.$c.upload]}")" \
      "$(med "${phase[$ex.$c.stage]}")" "$(med "${phase[$ex.$c.start]}")" \
      "$(tr ' ' '\n' <<< "${phase[$ex.$c.sent]}" | grep . | sort | uniq -c | sort -rn | head -1 | awk '{print $2}')"
  done
done
echo "medians over $rounds rounds; sent: the most common size of what the CLI uploaded"
