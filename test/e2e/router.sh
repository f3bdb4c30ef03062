# The router as apps and their users see it (Cloud Foundry's Gorouter behaviour): keep-alive,
# X-Forwarded-*/X-Vcap-Request-Id/X-Request-Start, 404 unknown_route, 503 no_endpoints,
# 502 endpoint_failure, retry past a dead instance, sticky sessions (JSESSIONID → __VCAP_ID__),
# path routes (longest prefix), WebSocket, Expect: 100-continue, pipelining, 400/431 for
# malformed requests, slowloris cut off, and 1 GiB streamed both ways with flat memory.
# Each check runs on its own and the test fails at the end if any failed, listing them.
#
# Variables (defaults in brackets):
#   ROUTER_BIG_MB [1024]              size of the streamed upload and download, MiB
#   ROUTER_RSS_MARGIN_MB [100]        how much microcf's resident memory may grow meanwhile
#   ROUTER_HEADER_TIMEOUT_S [30]      a client that sends its headers a byte a second must be
#                                     cut off by then (the router's request header timeout)
#   ROUTER_CHECKS                     only these checks (function names, space-separated)
source "$(dirname "$0")/lib.sh"
APP="$MICROCF_SOURCE/test/e2e/apps/routerapp"
BIG_MB=${ROUTER_BIG_MB:-1024}
RSS_MARGIN_MB=${ROUTER_RSS_MARGIN_MB:-100}
HEADER_TIMEOUT_S=${ROUTER_HEADER_TIMEOUT_S:-30}
HOST=routerapp.localhost
client() { python3 "$MICROCF_SOURCE/test/e2e/router_client.py" "$PORT" "$@"; }
# code [curl args]: the status code only ("000" when there was no answer).
code() { curl -s -o /dev/null -w '%{http_code}' --max-time 30 "$@" || true; }
# index_of BODY: the instance index in routerapp's answer.
index_of() { sed -n 's/^routerapp [a-z]* instance \([0-9]*\) .*/\1/p' <<< "$1"; }
expect_eq() {  # expect_eq GOT WANT WHAT
  [ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"
}
still_serving() {  # still_serving AFTER: an ordinary request still gets 200
  local c
  c=$(code "$(app_url routerapp)")
  expect_eq "$c" 200 "an ordinary request after $1"
}

PASSED=() FAILED=()
check() {  # check NAME FUNCTION: runs it in a subshell, so that a failure ends only that check
  local rc
  if [ -n "${ROUTER_CHECKS:-}" ]; then
    case " $ROUTER_CHECKS " in *" $2 "*) ;; *) return 0 ;; esac
  fi
  echo "-- $1"
  set +e
  (set -e; "$2")
  rc=$?
  set -e
  if [ $rc -eq 0 ]; then PASSED+=("$1"); echo "   ok"; else FAILED+=("$1"); fi
}

start_platform --ssh-port 0
out=$(cd "$APP" && mcf push 2>&1) || { echo "$out"; fail "push routerapp"; }
cat > "$E2E_TMP/api.yml" <<EOF
applications:
- name: routerapi
  path: $APP
  memory: 64M
  instances: 1
  buildpacks:
  - binary_buildpack
  command: python3 server.py
  routes:
  - route: $HOST/api
EOF
out=$(mcf push -f "$E2E_TMP/api.yml" 2>&1) || { echo "$out"; fail "push routerapi"; }

seen=""
for _ in $(seq 1 300); do
  idx=$(index_of "$(curl -s --max-time 2 "$(app_url routerapp)" || true)")
  case " $seen " in *" $idx "*) ;; *) [ -n "$idx" ] && seen="$seen $idx" ;; esac
  [ "$(wc -w <<< "$seen")" -ge 3 ] && break
  sleep 0.1
done
[ "$(wc -w <<< "$seen")" -ge 3 ] || fail "expected answers from 3 instances of routerapp, saw:$seen"

# Slow clients from the start, checked at the end: the other checks run meanwhile.
SLOW_PIDS=()
for i in 1 2 3 4 5; do
  client "$HOST" slowloris $((HEADER_TIMEOUT_S + 10)) > "$E2E_TMP/slowloris.$i" 2>&1 &
  SLOW_PIDS+=($!)
done
SLOW_STARTED=$(date +%s)

keepalive() {
  local err
  err=$(curl -sv --max-time 10 "$(app_url routerapp)" "$(app_url routerapp /headers)" 2>&1 >/dev/null)
  expect_contains "$err" "Re-using existing" "curl with two URLs on one connection (curl -v: Re-using existing connection)"
  [ "$(grep -c '^< HTTP/1.1 200' <<< "$err")" -eq 2 ] || { echo "$err"; fail "two 200 answers"; }
  ! grep -qi '^< Connection: close' <<< "$err" || { echo "$err"; fail "the router asked to close"; }
}

forwarded_headers() {
  local a b now
  now=$(date +%s%3N)
  a=$(curl -s --max-time 10 "$(app_url routerapp /headers)")
  b=$(curl -s --max-time 10 -H 'X-Forwarded-For: 203.0.113.7' -H 'X-Forwarded-Proto: https' \
    "$(app_url routerapp /headers)")
  python3 - "$a" "$b" "$now" <<'PY' || fail "the X- headers the app received (above)"
import json, re, sys
ok = True
def h(doc, name):
    vals = [v for k, v in json.loads(doc)["headers"] if k.lower() == name.lower()]
    return vals[0] if len(vals) == 1 else vals
def want(what, got, cond):
    global ok
    if not cond:
        ok = False
        print(f"{what}: got {got!r}")
a, b, now = sys.argv[1], sys.argv[2], int(sys.argv[3])
want("X-Forwarded-For (no client header)", h(a, "X-Forwarded-For"), h(a, "X-Forwarded-For") == "127.0.0.1")
want("X-Forwarded-For (client sent 203.0.113.7)", h(b, "X-Forwarded-For"),
     h(b, "X-Forwarded-For") == "203.0.113.7, 127.0.0.1")
want("X-Forwarded-Proto", h(a, "X-Forwarded-Proto"), h(a, "X-Forwarded-Proto") == "http")
want("X-Forwarded-Proto (client sent https)", h(b, "X-Forwarded-Proto"), h(b, "X-Forwarded-Proto") == "https")
uuid = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
for doc in (a, b):
    rid = h(doc, "X-Vcap-Request-Id")
    want("X-Vcap-Request-Id", rid, isinstance(rid, str) and re.fullmatch(uuid, rid))
    start = h(doc, "X-Request-Start")
    want("X-Request-Start (ms since the epoch, near now)", start,
         isinstance(start, str) and start.isdigit() and abs(int(start) - now) < 300000)
want("two requests, two request ids", (h(a, "X-Vcap-Request-Id"), h(b, "X-Vcap-Request-Id")),
     h(a, "X-Vcap-Request-Id") != h(b, "X-Vcap-Request-Id"))
sys.exit(0 if ok else 1)
PY
}

unknown_route() {
  local out
  out=$(curl -s -i --max-time 10 -H 'Host: nope.localhost' "http://127.0.0.1:$PORT/" | tr -d '\r')
  expect_eq "$(head -1 <<< "$out" | cut -d' ' -f2)" 404 "status for an unknown host"
  grep -qix 'X-Cf-RouterError: unknown_route' <<< "$out" ||
    { echo "$out"; fail "X-Cf-RouterError: unknown_route"; }
  expect_eq "$(sed '1,/^$/d' <<< "$out")" "Requested route ('nope.localhost') does not exist." "404 body"
}

endpoint_failure() {
  local out
  out=$(curl -s -i --max-time 30 "$(app_url routerapp /close)" | tr -d '\r')
  expect_eq "$(head -1 <<< "$out" | cut -d' ' -f2)" 502 "status when the instance closes without answering"
  grep -qix 'X-Cf-RouterError: endpoint_failure' <<< "$out" ||
    { echo "$out"; fail "X-Cf-RouterError: endpoint_failure"; }
  expect_contains "$out" "Registered endpoint failed to handle the request." "502 body"
  still_serving "a 502"
}

sticky_sessions() {
  local jar="$E2E_TMP/jar" first idx vcap guid spread=""
  first=$(curl -s --max-time 10 -c "$jar" "$(app_url routerapp /session)")
  idx=$(index_of "$first")
  guid=$(sed -n 's/.* guid \([0-9a-f-]*\)$/\1/p' <<< "$first")
  [ -n "$idx" ] || fail "/session answered '$first'"
  grep -q 'JSESSIONID' "$jar" || { cat "$jar"; fail "the cookie jar holds JSESSIONID"; }
  vcap=$(awk '$6 == "__VCAP_ID__" {print $7}' "$jar")
  [ -n "$vcap" ] || { cat "$jar"; fail "the router added a __VCAP_ID__ cookie beside JSESSIONID"; }
  expect_eq "$vcap" "$guid" "__VCAP_ID__ names the instance that set JSESSIONID"
  for _ in $(seq 1 10); do
    got=$(index_of "$(curl -s --max-time 10 -b "$jar" "$(app_url routerapp)")")
    expect_eq "$got" "$idx" "a request with the session's cookies reaches the same instance"
  done
  for _ in $(seq 1 9); do
    got=$(index_of "$(curl -s --max-time 10 "$(app_url routerapp)")")
    case " $spread " in *" $got "*) ;; *) spread="$spread $got" ;; esac
  done
  [ "$(wc -w <<< "$spread")" -ge 2 ] || fail "requests without cookies spread over instances (saw:$spread)"
}

path_routes() {
  local got
  for p in /api /api/ /api/deep/er /API/x; do
    got=$(curl -s --max-time 10 "$(app_url routerapp "$p")")
    expect_contains "$got" "routerapp routerapi instance" "GET $p goes to routerapi (route $HOST/api)"
  done
  for p in / /apiary /other/api; do
    got=$(curl -s --max-time 10 "$(app_url routerapp "$p")")
    expect_contains "$got" "routerapp routerapp instance" "GET $p goes to routerapp (route $HOST)"
  done
}

websocket() {
  local out
  out=$(client "$HOST" websocket 2>&1) || { echo "$out"; fail "WebSocket client"; }
  expect_eq "$(head -1 <<< "$out")" "HTTP/1.1 101 Switching Protocols" "the upgrade's status line"
  expect_eq "$(tail -n +2 <<< "$out")" "accept ok
echo opcode 1 24 bytes same
echo opcode 1 70000 bytes same
close opcode 8" "WebSocket handshake, two echoed messages and the close"
  still_serving "a WebSocket"
}

expect_continue() {
  local err
  head -c $((4 << 20)) /dev/urandom > "$E2E_TMP/4m"
  err=$(curl -sv --max-time 30 -H 'Expect: 100-continue' --data-binary @"$E2E_TMP/4m" \
    "$(app_url routerapp /echo)" 2>&1 > "$E2E_TMP/4m.out")
  expect_contains "$err" "< HTTP/1.1 100 Continue" "the router's interim answer to Expect: 100-continue"
  expect_contains "$err" "< HTTP/1.1 200" "the final answer"
  expect_contains "$(cat "$E2E_TMP/4m.out")" "\"bytes\": 4194304, \"sha256\": \"$(sha256sum < "$E2E_TMP/4m" | cut -d' ' -f1)\"" \
    "the app received the body whole"
}

pipelining() {
  local out
  out=$(client "$HOST" pipeline 2>&1) || { echo "$out"; fail "pipelining client"; }
  [ "$(wc -l <<< "$out")" -eq 3 ] || { echo "$out"; fail "3 answers to 3 pipelined requests"; }
  grep -q '^200 routerapp routerapp instance' <<< "$(sed -n 1p <<< "$out")" || { echo "$out"; fail "1st answer: /slow"; }
  grep -q '^200 {"headers"' <<< "$(sed -n 2p <<< "$out")" || { echo "$out"; fail "2nd answer: /headers"; }
  grep -q '^200 routerapp routerapp instance' <<< "$(sed -n 3p <<< "$out")" || { echo "$out"; fail "3rd answer: /slow"; }
}

malformed() {
  expect_eq "$(client "$HOST" bad request-line)" 400 "a malformed request line"
  still_serving "a malformed request line"
  expect_eq "$(client "$HOST" bad big-headers)" 431 "100 headers of 8 KiB"
  still_serving "oversized headers"
  expect_eq "$(client "$HOST" bad bad-chunked)" 400 "invalid chunked encoding"
  still_serving "invalid chunked encoding"
}

no_endpoints() {
  local out
  mcf scale routerapi -i 0 >/dev/null || fail "scale routerapi -i 0"
  for _ in $(seq 1 100); do
    [ "$(code -H "Host: $HOST" "http://127.0.0.1:$PORT/api")" = 503 ] && break
    sleep 0.1
  done
  out=$(curl -s -i --max-time 10 -H "Host: $HOST" "http://127.0.0.1:$PORT/api" | tr -d '\r')
  expect_eq "$(head -1 <<< "$out" | cut -d' ' -f2)" 503 "status for a route whose app has no instances"
  grep -qix 'X-Cf-RouterError: no_endpoints' <<< "$out" || { echo "$out"; fail "X-Cf-RouterError: no_endpoints"; }
  expect_eq "$(sed '1,/^$/d' <<< "$out")" "Requested route ('$HOST') has no available endpoints." "503 body"
  expect_contains "$(curl -s --max-time 10 "$(app_url routerapp /)")" "routerapp routerapp" "/ still reaches routerapp"
}

# The host pids of an instance's processes (root sees the containers' processes).
instance_pids() {
  local guid=$1 p
  for p in /proc/[0-9]*; do
    if tr '\0' '\n' 2>/dev/null < "$p/environ" | grep -qx "CF_INSTANCE_GUID=$guid" &&
      tr '\0' ' ' 2>/dev/null < "$p/cmdline" | grep -q 'server.py'; then
      echo "${p#/proc/}"
    fi
  done
}

dead_instance() {
  local guid pids bad=0 c codes=""
  guid=$(mcf curl "/v3/processes/$(mcf curl '/v3/apps?names=routerapp' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["resources"][0]["guid"])')/stats" |
    python3 -c 'import json,sys; print([r for r in json.load(sys.stdin)["resources"] if r["index"] == 1][0]["instance_guid"])')
  pids=$(instance_pids "$guid")
  [ -n "$pids" ] || fail "found no process of instance 1 ($guid)"
  echo "   killing instance 1 ($guid): pids $(echo $pids)"
  kill -9 $pids
  for _ in $(seq 1 30); do  # each on a new connection, round-robin reaches the dead one too
    c=$(code "$(app_url routerapp)")
    [ "$c" = 200 ] || { bad=$((bad + 1)); codes="$codes $c"; }
  done
  [ "$bad" -eq 0 ] || fail "$bad of 30 requests failed after instance 1 was killed:$codes"
}

refused_instance() {
  local out idx bad=0 c codes=""
  out=$(curl -s --max-time 10 "$(app_url routerapp /unlisten)")
  idx=$(sed -n 's/^instance \([0-9]*\) stops listening$/\1/p' <<< "$out")
  [ -n "$idx" ] || fail "/unlisten answered '$out'"
  echo "   instance $idx refuses connections from now on"
  for _ in $(seq 1 30); do  # each on a new connection; round-robin reaches the refusing one too
    c=$(code "$(app_url routerapp)")
    [ "$c" = 200 ] || { bad=$((bad + 1)); codes="$codes $c"; }
  done
  [ "$bad" -eq 0 ] || fail "$bad of 30 requests failed while instance $idx refused connections:$codes"
}

# rss_during CMD...: runs CMD while sampling microcf's VmRSS; prints "START MAX" in KiB, START
# being microcf's VmRSS before the first large transfer (memory a transfer took and kept
# counts against the next one too).
rss_during() {
  local start max=0 cur pid
  [ -f "$E2E_TMP/rss.start" ] || awk '/VmRSS/{print $2}' "/proc/$UP_PID/status" > "$E2E_TMP/rss.start"
  start=$(cat "$E2E_TMP/rss.start")
  "$@" > "$E2E_TMP/big.out" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    cur=$(awk '/VmRSS/{print $2}' "/proc/$UP_PID/status")
    [ "$cur" -gt "$max" ] && max=$cur
    sleep 0.1
  done
  wait "$pid" || { cat "$E2E_TMP/big.out" >&2; return 1; }
  echo "$start $max"
}

big_upload() {
  local rss out
  rss=$(rss_during client "$HOST" upload "$BIG_MB") || fail "the upload client"
  out=$(cat "$E2E_TMP/big.out")
  expect_eq "$(sed -n 's/^status //p' <<< "$out")" 200 "status of a $BIG_MB MiB chunked upload"
  read -r _ bytes sha <<< "$(grep '^sent ' <<< "$out")"
  expect_contains "$out" "\"bytes\": $bytes, \"sha256\": \"$sha\"" "the app received all $BIG_MB MiB intact"
  read -r start max <<< "$rss"
  echo "   microcf VmRSS $((start / 1024)) MiB before the large transfers, at most $((max / 1024)) MiB during the upload"
  [ $((max - start)) -le $((RSS_MARGIN_MB * 1024)) ] ||
    fail "microcf's memory grew by $(((max - start) / 1024)) MiB during a $BIG_MB MiB upload (allowed $RSS_MARGIN_MB)"
}

big_download() {
  local rss out
  rss=$(rss_during client "$HOST" download "$BIG_MB") || fail "the download client"
  out=$(cat "$E2E_TMP/big.out")
  expect_eq "$out" "status 200
bytes $((BIG_MB << 20)) of $((BIG_MB << 20))
content same" "a $BIG_MB MiB chunked download"
  read -r start max <<< "$rss"
  echo "   microcf VmRSS $((start / 1024)) MiB before the large transfers, at most $((max / 1024)) MiB during the download"
  [ $((max - start)) -le $((RSS_MARGIN_MB * 1024)) ] ||
    fail "microcf's memory grew by $(((max - start) / 1024)) MiB during a $BIG_MB MiB download (allowed $RSS_MARGIN_MB)"
}

slowloris() {
  local i out n finished
  for i in $(seq 1 20); do
    expect_eq "$(code "$(app_url routerapp)")" 200 "request $i while 5 slow clients hold connections"
  done
  # Each slow client ends by itself, cut off or giving up after HEADER_TIMEOUT_S + 10 s, and
  # then writes its one line.
  for _ in $(seq 1 $(((HEADER_TIMEOUT_S + 40) * 10))); do
    finished=0
    for i in 1 2 3 4 5; do [ -s "$E2E_TMP/slowloris.$i" ] && finished=$((finished + 1)); done
    [ $finished -lt 5 ] || break
    sleep 0.1
  done
  echo "   waited for the slow clients until $(($(date +%s) - SLOW_STARTED)) s after they started"
  for i in 1 2 3 4 5; do
    out=$(cat "$E2E_TMP/slowloris.$i")
    case "$out" in
      "cut off after "*": closed" | "cut off after "*": 408") ;;
      *) fail "slow client $i: expected to be cut off (closed or 408) within ${HEADER_TIMEOUT_S}s, got '$out'" ;;
    esac
    n=$(sed -n 's/^cut off after \([0-9]*\) s.*/\1/p' <<< "$out")
    [ "$n" -le "$HEADER_TIMEOUT_S" ] || fail "slow client $i cut off after $n s, later than ${HEADER_TIMEOUT_S}s"
  done
}

# From here a failure ends only its check: one line each, and microcf's log once at the end.
fail() { echo "FAIL: $*"; exit 1; }
check "keep-alive: two requests on one connection" keepalive
check "X-Forwarded-For, X-Forwarded-Proto, X-Vcap-Request-Id, X-Request-Start" forwarded_headers
check "404 unknown_route for an unknown host" unknown_route
check "502 endpoint_failure when the instance closes mid-request" endpoint_failure
check "sticky sessions: JSESSIONID gets __VCAP_ID__, requests stay on one of 3 instances" sticky_sessions
check "path routes: longest prefix, whole segments" path_routes
check "WebSocket echo through the router" websocket
check "Expect: 100-continue" expect_continue
check "pipelining: 3 requests in one write, 3 answers in order" pipelining
check "malformed requests: 400, 431, 400, and others still served" malformed
check "$BIG_MB MiB download streamed with flat memory" big_download
check "$BIG_MB MiB upload streamed with flat memory" big_upload
check "503 no_endpoints for a route whose app has no instances" no_endpoints
check "slowloris: slow clients cut off, others served" slowloris
check "retry on another instance when one refuses connections" refused_instance
check "retry on another instance when one is dead" dead_instance

wait "${SLOW_PIDS[@]}" || true  # each slow client gives up after HEADER_TIMEOUT_S + 10 s
echo "passed ${#PASSED[@]}, failed ${#FAILED[@]}"
if [ ${#FAILED[@]} -gt 0 ]; then
  echo "--- last lines of microcf up:"
  tail -40 "$E2E_TMP/up.log"
  printf 'FAILED: %s\n' "${FAILED[@]}"
  exit 1
fi
echo "ok: the router behaves as Gorouter does for all ${#PASSED[@]} checks"
