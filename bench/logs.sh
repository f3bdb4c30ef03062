# Logs: lines/s from an app's stdout into the log buffer and out to a reader walking
# /api/v1/read forward; zero uncounted loss (emitted = read + counted drops); and the latency
# of `microcf logs APP --recent` for 1,000 lines (median of RUNS).
#   MICROCF_BENCH_SUBNET=10.254.64.0/22 bash bench/logs.sh   (LINES=90000 RUNS=11)
source "$(dirname "$0")/common.sh"
LINES=${LINES:-90000}  # under the buffer's 100,000, so nothing is evicted
RUNS=${RUNS:-11}
LOGREAD="$ROOT/test/e2e/logread.py"
start_platform
mcf() { "$MICROCF" "$@"; }
(cd "$ROOT/test/e2e/apps/talker" && mcf push >/dev/null 2>&1) || { echo "push talker failed"; tail -20 "$BENCH_TMP/up.log"; exit 1; }
API="http://api.localhost:$PORT"
TOKEN=$(mcf oauth-token)
guid=$(curl -s -H "Authorization: $TOKEN" "$API/v3/apps?names=talker" | python3 -c 'import json,sys; print(json.load(sys.stdin)["resources"][0]["guid"])')
# The newest app line (the router's access log line comes after it).
newest() {
  curl -s -H "Authorization: $TOKEN" "$API/api/v1/read/$guid?limit=5&descending=true&envelope_types=LOG" |
    python3 -c 'import json,sys,base64; b=[e for e in json.load(sys.stdin)["envelopes"]["batch"] if e["tags"]["source_type"].startswith("APP/")]; print(base64.b64decode(b[0]["log"]["payload"]).decode() if b else "")'
}

# Into the buffer: from the request that makes the app print LINES lines until the newest
# envelope is the last of them.
t0=$(now_ms)
curl -s "http://talker.localhost:$PORT/say?tag=b&from=1&to=$LINES" >/dev/null
until [ "$(newest)" = "b=$LINES" ]; do
  [ $(( $(now_ms) - t0 )) -lt 120000 ] || { echo "the last line did not arrive within 120 s"; exit 1; }
  sleep 0.01
done
t1=$(now_ms)
# Out to a reader: every envelope, 1000 a read, walking forward.
python3 "$LOGREAD" "$API" "$TOKEN" "$guid" > "$BENCH_TMP/read.out"
t2=$(now_ms)
read_lines=$(grep -c '^APP/PROC/WEB b=' "$BENCH_TMP/read.out" || true)
dropped=$(sed -n 's/^LGR dropped \([0-9]*\) lines.*/\1/p' "$BENCH_TMP/read.out" | awk '{s+=$1} END{print s+0}')
envelopes=$(wc -l < "$BENCH_TMP/read.out")
in_ms=$((t1 - t0)); out_ms=$((t2 - t1))
echo "app stdout -> buffer: $LINES lines in ${in_ms} ms = $(( LINES * 1000 / (in_ms > 0 ? in_ms : 1) )) lines/s"
echo "buffer -> reader (/api/v1/read, 1000 a page): $envelopes envelopes in ${out_ms} ms = $(( envelopes * 1000 / (out_ms > 0 ? out_ms : 1) )) envelopes/s"
echo "emitted $LINES = read $read_lines + counted drops $dropped: $([ $((read_lines + dropped)) = "$LINES" ] && echo 'no uncounted loss' || echo 'LOSS')"
echo "microcf RSS after: $(rss_kb "$UP_PID") kB"

# logs --recent: 1000 lines, wall time of the CLI.
for _ in $(seq 1 "$RUNS"); do
  s=$(now_ms); mcf logs talker --recent > "$BENCH_TMP/recent.out"; e=$(now_ms)
  echo $((e - s))
done | median | xargs -I{} echo "logs --recent (1000 lines): median {} ms of $RUNS runs"
[ "$(grep -c '^   [0-9]' "$BENCH_TMP/recent.out")" = 1000 ] || echo "warning: --recent printed $(grep -c '^   [0-9]' "$BENCH_TMP/recent.out") lines"
[ $((read_lines + dropped)) = "$LINES" ]
