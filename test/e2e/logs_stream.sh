# logs at log-cache's level: --recent shows the last 1000 lines in order; `logs APP` streams
# with no line lost or repeated between its recent and live parts and stops on SIGINT; an app
# over its log rate limit gets an LGR line counting every dropped line; the SSE stream.
source "$(dirname "$0")/lib.sh"
start_platform
TALKER="$MICROCF_SOURCE/test/e2e/apps/talker"
LOGREAD="$MICROCF_SOURCE/test/e2e/logread.py"
out=$(cd "$TALKER" && mcf push 2>&1) || { echo "$out"; fail "push talker"; }
guid=$(api GET "/v3/apps?names=talker" | python3 -c 'import json,sys; print(json.load(sys.stdin)["resources"][0]["guid"])')
API="http://api.localhost:$PORT"

# wait_for_log TEXT: until the app's log (read through log-cache) has a line with TEXT.
wait_for_log() {
  for _ in $(seq 1 100); do
    python3 "$LOGREAD" "$API" "$(mcf oauth-token)" "$guid" 2>/dev/null | grep -q -- "$1" && return 0
    sleep 0.2
  done
  fail "no log line with '$1' within 20 s"
}

# 1. --recent: the last 1000 envelopes of 1500 lines, oldest first, in the cf layout.
curl -sf "$(app_url talker '/say?tag=n&from=1&to=1500')" >/dev/null || fail "talker /say"
wait_for_log "n=1500"
recent=$(mcf logs talker --recent)
lines=$(printf '%s\n' "$recent" | grep -c '^   [0-9]\{4\}-' || true)
[ "$lines" = 1000 ] || fail "logs --recent printed $lines log lines, expected 1000"
nums=$(printf '%s\n' "$recent" | sed -n 's/.* \[APP\/PROC\/WEB\/0\] OUT n=\([0-9]*\)$/\1/p')
first=$(printf '%s\n' "$nums" | head -1)
[ "$(printf '%s\n' "$nums" | tail -1)" = 1500 ] || fail "the newest line n=1500 is not last"
[ "$first" -ge 500 ] || fail "logs --recent starts at n=$first: more than 1000 lines"
[ "$nums" = "$(seq "$first" 1500)" ] || fail "logs --recent lines n=$first..1500 are not each once, in order"
echo "ok: logs --recent shows the last 1000 lines (n=$first..1500) in order"

# 2. tail: started while the app prints; every number once, in order, until SIGINT.
curl -sf "$(app_url talker '/drip?tag=d&from=1&to=3000&ms=1')" >/dev/null || fail "talker /drip"
sleep 1.5  # so that the tail's first read (the last second) starts in the middle
# Not through the mcf function: the signal must reach microcf itself, not a subshell.
"$MICROCF" logs talker > "$E2E_TMP/tail.out" 2>&1 &
TAIL_PID=$!
for _ in $(seq 1 300); do
  grep -q "OUT d=3000$" "$E2E_TMP/tail.out" && break
  kill -0 "$TAIL_PID" 2>/dev/null || fail "logs exited early: $(tail -5 "$E2E_TMP/tail.out")"
  sleep 0.1
done
grep -q "OUT d=3000$" "$E2E_TMP/tail.out" || fail "logs did not show d=3000 within 30 s"
kill -INT "$TAIL_PID"
rc=0
for _ in $(seq 1 50); do kill -0 "$TAIL_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$TAIL_PID" 2>/dev/null && fail "logs did not stop within 5 s of SIGINT"
wait "$TAIL_PID" || rc=$?
[ "$rc" = 0 ] || fail "logs exited with $rc after SIGINT, expected 0"
dnums=$(sed -n 's/.* OUT d=\([0-9]*\)$/\1/p' "$E2E_TMP/tail.out")
dfirst=$(printf '%s\n' "$dnums" | head -1)
[ "$dnums" = "$(seq "$dfirst" 3000)" ] || fail "logs APP lines d=$dfirst..3000 have a gap, a repeat or are out of order"
echo "ok: logs APP streamed d=$dfirst..3000, each once in order, and stopped on SIGINT"

# 3. the SSE stream: a bounded number of events (start_time=0&limit=5).
token=$(mcf oauth-token)
sse=$(curl -sN --max-time 20 -H "Authorization: $token" "$API/api/v1/stream/$guid?start_time=0&limit=5" -D "$E2E_TMP/sse.head") || true
grep -qi '^content-type: text/event-stream' "$E2E_TMP/sse.head" || fail "SSE content type: $(cat "$E2E_TMP/sse.head")"
[ "$(printf '%s\n' "$sse" | grep -c '^data: {')" = 5 ] || fail "SSE sent $(printf '%s\n' "$sse" | grep -c '^data: {') events, expected 5"
[ "$(printf '%s\n' "$sse" | grep -c '^id: [0-9]*$')" = 5 ] || fail "SSE events without ids"
# Live: without limit the stream stays open, and lines the app prints now arrive while it is.
curl -sN --max-time 30 -H "Authorization: $token" "$API/api/v1/stream/$guid" > "$E2E_TMP/sse.live" 2>&1 &
SSE_PID=$!
sleep 1
curl -sf "$(app_url talker '/say?tag=live&from=1&to=3')" >/dev/null || fail "talker /say live"
for _ in $(seq 1 100); do
  [ "$(grep -c '^data: {' "$E2E_TMP/sse.live" || true)" -ge 3 ] && break
  sleep 0.1
done
kill -0 "$SSE_PID" 2>/dev/null || fail "the live SSE stream ended by itself: $(head -c 300 "$E2E_TMP/sse.live")"
kill "$SSE_PID" 2>/dev/null || true
wait "$SSE_PID" 2>/dev/null || true
live=$(grep '^data: {' "$E2E_TMP/sse.live" | sed 's/^data: //' | python3 -c '
import base64, json, sys
for l in sys.stdin: print(base64.b64decode(json.loads(l)["log"]["payload"]).decode())')
expect_contains "$live" "live=3" "the live SSE stream (events that came while it was open)"
echo "ok: SSE stream, live"

# 4. log rate limit: 1K a second; 5000 lines at once: most are dropped, all counted.
out=$(mcf scale talker -l 1K 2>&1) || { echo "$out"; fail "scale -l 1K"; }
proc=$(api GET "/v3/apps/$guid/processes/web")
expect_contains "$proc" '"log_rate_limit_in_bytes_per_second":1024' "the process's log rate limit"
wait_for_body talker ok
curl -sf "$(app_url talker '/say?tag=r&from=1&to=5000')" >/dev/null || fail "talker /say r"
wait_for_log "LGR dropped .* lines: rate limit"
all=$(python3 "$LOGREAD" "$API" "$(mcf oauth-token)" "$guid")
expect_contains "$all" "app instance exceeded log rate limit (1024 bytes/sec)" "CF's over-limit notice"
# Every line is either in the buffer or counted in an LGR line (reports come once a second).
for _ in $(seq 1 50); do
  all=$(python3 "$LOGREAD" "$API" "$(mcf oauth-token)" "$guid")
  kept=$(printf '%s\n' "$all" | grep -c '^APP/PROC/WEB r=' || true)
  dropped=$(printf '%s\n' "$all" | sed -n 's/^LGR dropped \([0-9]*\) lines: rate limit$/\1/p' | awk '{s+=$1} END{print s+0}')
  [ $((kept + dropped)) = 5000 ] && break
  sleep 0.2
done
[ $((kept + dropped)) = 5000 ] || fail "rate limit: $kept lines kept + $dropped counted as dropped != 5000"
[ "$dropped" -gt 0 ] || fail "nothing dropped over the rate limit"
recent=$(mcf logs talker --recent)
expect_contains "$recent" "[LGR/0] ERR dropped" "logs --recent shows the LGR drop line"
echo "ok: rate limit: $kept lines kept, $dropped dropped and counted"
