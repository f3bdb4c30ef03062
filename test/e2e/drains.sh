# Syslog drains through a user-provided service: a loopback syslog listener receives the app's
# lines and its RTR lines as RFC 5424 frames; a listener that goes away becomes an LGR line in
# the app's log and the drain reconnects when it comes back. /metrics counts what happened.
source "$(dirname "$0")/lib.sh"

SYSLOG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
SYSLOG_OUT="$E2E_TMP/syslog.out"
LISTENER_PID=""

# A syslog listener (RFC 6587 octet counting) that appends every message to $SYSLOG_OUT.
start_listener() {
  python3 - "$SYSLOG_PORT" "$SYSLOG_OUT" <<'PY' &
import socketserver, sys
port, out = int(sys.argv[1]), sys.argv[2]

class Frames(socketserver.StreamRequestHandler):
    def handle(self):
        while True:
            digits = b""
            while True:
                c = self.rfile.read(1)
                if not c:
                    return
                if c == b" ":
                    break
                if not c.isdigit():
                    with open(out, "ab") as f:
                        f.write(b"BAD FRAME\n")
                    return
                digits += c
            msg = self.rfile.read(int(digits))
            with open(out, "ab") as f:
                f.write(msg if msg.endswith(b"\n") else msg + b"\n")

class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

Server(("127.0.0.1", port), Frames).serve_forever()
PY
  LISTENER_PID=$!
  for _ in $(seq 1 50); do
    python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $SYSLOG_PORT), 1)" 2>/dev/null && return 0
    sleep 0.1
  done
  fail "the syslog listener did not start"
}
stop_listener() {
  kill "$LISTENER_PID" 2>/dev/null || true
  wait "$LISTENER_PID" 2>/dev/null || true
  LISTENER_PID=""
}
trap 'rc=$?; stop_listener; (exit $rc); cleanup' EXIT

# wait_for_frame TEXT [SECONDS]: until the listener received a message containing TEXT.
wait_for_frame() {
  for _ in $(seq 1 $((${2:-30} * 10))); do
    grep -qF -- "$1" "$SYSLOG_OUT" 2>/dev/null && return 0
    curl -s "$(app_url python "/tick")" >/dev/null || true  # keeps lines flowing
    sleep 0.1
  done
  echo "--- received:"; tail -20 "$SYSLOG_OUT" 2>/dev/null || true
  fail "the syslog listener got no message with '$1' within ${2:-30}s"
}

start_platform --ssh-port 0
start_listener

out=$(mcf cups d -l "syslog://127.0.0.1:$SYSLOG_PORT" 2>&1) || fail "cups: $out"
expect_contains "$out" "Creating user provided service d in org microcf / space dev as admin..." "cups says what it does"
expect_contains "$out" "OK" "cups succeeds"
out=$(mcf cups d -l "syslog://127.0.0.1:$SYSLOG_PORT" 2>&1) && fail "a second cups d succeeded"
expect_contains "$out" "The service instance name is taken: d." "a taken name is refused"
out=$(mcf cups bad -l "syslog-tls://127.0.0.1:1" 2>&1) && fail "a syslog-tls drain was accepted"
expect_contains "$out" "syslog-tls:// drains are not supported by microcf yet" "syslog-tls is refused clearly"

(cd "$EXAMPLES/python" && mcf push >/dev/null) || fail "push python"
wait_for_body python "Hello from microcf python"

out=$(mcf bind-service python d 2>&1) || fail "bind-service: $out"
expect_contains "$out" "Binding service instance d to app python in org microcf / space dev as admin..." "bind-service says what it does"
expect_contains "$out" "TIP: Use 'microcf restart python' to ensure your env variable changes take effect" "bind-service tip"
out=$(mcf bind-service python d 2>&1) || fail "binding twice failed: $out"
expect_contains "$out" "App python is already bound to service instance d." "binding twice is ok"

out=$(mcf services)
expect_contains "$out" "user-provided" "services lists the instance"
printf '%s\n' "$out" | grep -qE '^d +user-provided +python +create succeeded' || { echo "$out"; fail "services shows d bound to python"; }
out=$(mcf service d)
expect_contains "$out" "syslog://127.0.0.1:$SYSLOG_PORT" "service shows the drain URL"
expect_contains "$out" "python" "service shows the bound app"

# The drain follows the binding at once (no restart): app lines and RTR lines arrive.
curl -s "$(app_url python /drained-one)" >/dev/null
wait_for_frame "/drained-one HTTP/1.1\" 200"
wait_for_frame "GET /drained-one"
app_guid=$(api GET "/v3/apps?names=python" | python3 -c 'import json,sys; print(json.load(sys.stdin)["resources"][0]["guid"])')
grep -qE "^<14>1 [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?Z microcf\.dev\.python $app_guid \[APP/PROC/WEB/0\] - - .*GET /drained-one" "$SYSLOG_OUT" \
  || { tail -20 "$SYSLOG_OUT"; fail "an APP line in RFC 5424 as Loggregator writes it"; }
grep -qE "^<14>1 [^ ]+ microcf\.dev\.python $app_guid \[RTR/0\] - - python\.localhost - \[.*\"GET /drained-one HTTP/1.1\" 200" "$SYSLOG_OUT" \
  || { tail -20 "$SYSLOG_OUT"; fail "an RTR line in RFC 5424"; }
grep -q "BAD FRAME" "$SYSLOG_OUT" && fail "a frame without octet counting arrived"
echo "ok: drain delivers APP and RTR lines"

# The listener goes away: the app's log says so (LGR), and the drain keeps retrying.
stop_listener
for _ in $(seq 1 300); do
  curl -s "$(app_url python /while-down)" >/dev/null || true
  logs=$(mcf logs python --recent)
  case "$logs" in *"[LGR/] ERR Syslog drain d (syslog://127.0.0.1:$SYSLOG_PORT): "*"retrying in"*) break ;; esac
  sleep 0.1
done
expect_contains "$logs" "[LGR/] ERR Syslog drain d (syslog://127.0.0.1:$SYSLOG_PORT): " "a lost drain is an LGR line"
echo "ok: drain error in the app's log"

# It comes back: the drain reconnects (backoff is at most a few seconds here).
: > "$SYSLOG_OUT"
start_listener
curl -s "$(app_url python /after-reconnect)" >/dev/null
wait_for_frame "/after-reconnect HTTP/1.1\" 200" 60
wait_for_frame "connected again" 30
echo "ok: drain reconnects"

# Metrics (public, no token).
metrics=$(curl -s "http://api.localhost:$PORT/metrics")
check_metric() {  # check_metric 'name{labels}' : its value must be > 0
  local v
  v=$(printf '%s\n' "$metrics" | awk -v m="$1" '$1 == m { print $2 }')
  [ -n "$v" ] || { printf '%s\n' "$metrics" | head -60; fail "/metrics has no $1"; }
  awk -v v="$v" 'BEGIN { exit !(v > 0) }' || fail "/metrics: $1 is $v, expected > 0"
}
check_metric 'microcf_router_requests_total{status="2xx"}'
check_metric 'microcf_router_request_duration_seconds_count'
check_metric 'microcf_instances{state="RUNNING"}'
check_metric 'microcf_stagings_total{outcome="started"}'
check_metric 'microcf_stagings_total{outcome="succeeded"}'
check_metric 'microcf_log_envelopes_appended_total'
check_metric 'microcf_syslog_drains'
check_metric 'microcf_syslog_drain_messages_total{result="sent"}'
check_metric 'microcf_syslog_drain_failures_total'
check_metric 'microcf_sqlite_steps_total{measure="count"}'
check_metric 'microcf_sqlite_steps_total{measure="seconds"}'
check_metric 'microcf_sqlite_commits_total{measure="count"}'
check_metric 'microcf_router_instance_requests_total{connection="new"}'
expect_contains "$metrics" "# TYPE microcf_loop_lag_seconds gauge" "loop lag gauge"
expect_contains "$(curl -s -i "http://api.localhost:$PORT/metrics" | tr -d '\r')" "Content-Type: text/plain; version=0.0.4" "exposition content type"
echo "ok: metrics"

# The binding is in VCAP_SERVICES of what starts after it (a task here).
out=$(mcf run-task python --command 'echo "VCAP=$VCAP_SERVICES"' --name env -w 2>&1) || fail "run-task: $out"
for _ in $(seq 1 50); do
  logs=$(mcf logs python --recent)
  case "$logs" in *"VCAP={"*) break ;; esac
  sleep 0.1
done
vcap=$(printf '%s\n' "$logs" | grep -o 'VCAP={.*' | head -1 | cut -d= -f2-)
python3 - "$vcap" "$SYSLOG_PORT" <<'PY' || fail "VCAP_SERVICES of the task: $vcap"
import json, sys
v = json.loads(sys.argv[1])
e = v["user-provided"][0]
assert e["name"] == "d" and e["instance_name"] == "d" and e["label"] == "user-provided", e
assert e["syslog_drain_url"] == "syslog://127.0.0.1:" + sys.argv[2], e
assert e["credentials"] == {} and e["volume_mounts"] == [] and e["binding_name"] is None, e
PY
echo "ok: VCAP_SERVICES"

# A bound instance is not deleted; unbinding stops the drain; then it goes.
out=$(mcf delete-service d -f 2>&1) && fail "deleting a bound instance succeeded"
expect_contains "$out" "it is bound to app python" "delete-service names the bound app"
out=$(mcf delete-service d 2>&1 < /dev/null) && fail "delete-service without -f and without a terminal went ahead"
out=$(mcf unbind-service python d 2>&1) || fail "unbind-service: $out"
expect_contains "$out" "Unbinding app python from service d in org microcf / space dev as admin..." "unbind-service says what it does"
metrics=$(curl -s "http://api.localhost:$PORT/metrics")
printf '%s\n' "$metrics" | grep -qx 'microcf_syslog_drains 0' || fail "unbinding stopped the drain"
out=$(mcf delete-service d -f 2>&1) || fail "delete-service: $out"
expect_contains "$out" "OK" "delete-service succeeds"
out=$(mcf services)
expect_contains "$out" "No service instances found." "the instance is gone"
echo "ok: unbind and delete"
