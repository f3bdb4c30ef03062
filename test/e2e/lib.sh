# Shared helpers of the end-to-end tests: each test starts the real `microcf up` on a free
# loopback port with a temporary data dir, drives it with the real CLI and curl, and stops
# every process it started.
set -euo pipefail
: "${MICROCF:?set MICROCF to the microcf binary}" "${MICROCF_SOURCE:?set MICROCF_SOURCE to the source tree}"
if [ "$(id -u)" -ne 0 ]; then
  echo "skipped: the end-to-end tests run containers and need root"
  exit 77
fi

E2E_TMP=$(mktemp -d /tmp/microcf-e2e.XXXXXX)
export MICROCF_HOME="$E2E_TMP/home"
EXAMPLES="$MICROCF_SOURCE/examples"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
UP_PID=""

mcf() { "$MICROCF" "$@"; }

fail() {
  echo "FAIL: $*"
  if [ -f "$E2E_TMP/up.log" ]; then echo "--- last lines of microcf up:"; tail -40 "$E2E_TMP/up.log"; fi
  exit 1
}

# start_platform [extra up flags]: starts `microcf up` and waits until the API answers.
# MICROCF_E2E_SUBNET gives the containers another subnet, so that two test runs can share a
# machine (one microcf per subnet).
start_platform() {
  local net=() pick_ssh=true attempt lines
  [ -n "${MICROCF_E2E_SUBNET:-}" ] && net=(--subnet "$MICROCF_E2E_SUBNET")
  case " $* " in *" --ssh-port "*) pick_ssh=false ;; esac
  for attempt in 1 2 3; do
    # A free ssh port unless the test picks one: the default 2222 clashes between runs. Another
    # process may take it before microcf binds it; then the start is tried with a new one.
    local ssh=()
    $pick_ssh && ssh=(--ssh-port "$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')")
    lines=0
    [ -f "$E2E_TMP/up.log" ] && lines=$(wc -l < "$E2E_TMP/up.log")
    "$MICROCF" up --port "$PORT" "${net[@]}" "${ssh[@]}" "$@" >> "$E2E_TMP/up.log" 2>&1 &
    UP_PID=$!
    for _ in $(seq 1 100); do
      code=$(curl -s -o /dev/null -w '%{http_code}' "http://api.localhost:$PORT/v3/info" || true)
      [ "$code" = 200 ] && return 0
      kill -0 "$UP_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$UP_PID" 2>/dev/null && fail "microcf up did not answer /v3/info within 10 s"
    wait "$UP_PID" 2>/dev/null || true
    UP_PID=""
    $pick_ssh && tail -n +"$((lines + 1))" "$E2E_TMP/up.log" | grep -q "cannot listen for ssh.*address already in use" ||
      fail "microcf up exited during start"
  done
  fail "microcf up exited during start (the ssh port was taken three times)"
}

# stop_platform: SIGTERM, as an operator would; waits for a clean exit.
stop_platform() {
  [ -n "$UP_PID" ] || return 0
  kill -TERM "$UP_PID" 2>/dev/null || true
  for _ in $(seq 1 200); do
    kill -0 "$UP_PID" 2>/dev/null || { wait "$UP_PID" 2>/dev/null || true; UP_PID=""; return 0; }
    sleep 0.1
  done
  fail "microcf up did not stop within 20 s of SIGTERM"
}

# kill9_platform: the platform dies without any chance to clean up.
kill9_platform() {
  kill -9 "$UP_PID" 2>/dev/null || true
  wait "$UP_PID" 2>/dev/null || true
  UP_PID=""
}

# Processes that run from this test's data dir (containers' inits and apps).
leftover_processes() {
  pgrep -f "$E2E_TMP" || true
}

cleanup() {
  local rc=$?
  if [ -n "$UP_PID" ]; then
    kill -TERM "$UP_PID" 2>/dev/null || true
    for _ in $(seq 1 150); do kill -0 "$UP_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$UP_PID" 2>/dev/null || true
  fi
  pkill -9 -f "$E2E_TMP" 2>/dev/null || true
  sleep 0.2
  # A staging folder with a disk limit is a mount, left behind by a platform killed mid-staging.
  awk -v d="$E2E_TMP/" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r |
    while read -r mp; do umount -l "$mp" 2>/dev/null || true; done
  rm -rf "$E2E_TMP"
  exit $rc
}
trap cleanup EXIT

# app_url NAME [PATH]
app_url() { echo "http://$1.localhost:$PORT${2:-/}"; }

# wait_for_body NAME TEXT [SECONDS]: until the app's page contains TEXT.
wait_for_body() {
  local name=$1 text=$2 secs=${3:-30}
  for _ in $(seq 1 $((secs * 10))); do
    if curl -s --max-time 2 "$(app_url "$name")" 2>/dev/null | grep -q "$text"; then return 0; fi
    sleep 0.1
  done
  fail "app $name did not serve '$text' within ${secs}s; last answer: $(curl -s -i --max-time 2 "$(app_url "$name")" | head -5)"
}

expect_contains() {  # expect_contains HAYSTACK NEEDLE WHAT
  case "$1" in
    *"$2"*) ;;
    *) printf '%s\n' "$1" | tail -30; fail "$3: expected to find '$2'" ;;
  esac
}

# api METHOD PATH [BODY]: an authenticated API call with the CLI's token; prints the body.
api() {
  local token
  token=$(mcf oauth-token)
  if [ $# -ge 3 ]; then
    curl -s -X "$1" -H "Authorization: $token" -H 'Content-Type: application/json' -d "$3" "http://api.localhost:$PORT$2"
  else
    curl -s -X "$1" -H "Authorization: $token" "http://api.localhost:$PORT$2"
  fi
}

# A load loop on loopback through the router against the crashy app (test/e2e/apps/crashy):
# sequential requests, each on a new connection, until the stop file appears (at most 20000
# requests or 150 s). Writes "OK FAILED VERSIONS" (the versions in the order they answered)
# and the first errors.
LOAD_PID=""
start_load() {
  rm -f "$E2E_TMP/load.stop" "$E2E_TMP/load.out" "$E2E_TMP/load.started"
  python3 - "$PORT" "$E2E_TMP/load.stop" "$E2E_TMP/load.out" "$E2E_TMP/load.started" <<'PY' &
import http.client, os, sys, time
port, stop, out, started = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
ok = failed = 0
versions, errors = [], []
deadline = time.time() + 150
while time.time() < deadline and ok + failed < 20000 and not os.path.exists(stop):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        c.request("GET", "/", headers={"Host": "crashy.localhost"})
        r = c.getresponse()
        body = r.read().decode(errors="replace")
        c.close()
        if r.status != 200 or not body.startswith("crashy "):
            raise RuntimeError(f"{r.status} {body.strip()[:120]}")
        ok += 1
        v = body.split()[1]
        if not versions or versions[-1] != v:
            versions.append(v)
        if ok == 1:
            open(started, "w").close()
    except Exception as e:
        failed += 1
        errors.append(time.strftime("%H:%M:%S ") + str(e))
with open(out, "w") as f:
    f.write(f"{ok} {failed} {' '.join(versions)}\n")
    f.write("\n".join(errors[:5]) + "\n")
PY
  LOAD_PID=$!
  for _ in $(seq 1 100); do [ -f "$E2E_TMP/load.started" ] && return 0; sleep 0.1; done
  fail "the load loop got no answer within 10 s"
}
# stop_load "FIRST [LAST]" WHAT: ends the loop; fails on any failed request, too few requests,
# or when the answers did not begin with FIRST and end with LAST (only those two versions;
# while old and new instances both serve, answers alternate between them).
stop_load() {
  touch "$E2E_TMP/load.stop"
  wait "$LOAD_PID" || true
  LOAD_PID=""
  read -r ok failed versions < <(head -1 "$E2E_TMP/load.out")
  [ "$failed" -eq 0 ] || fail "$failed of $((ok + failed)) requests failed during $2: $(tail -n +2 "$E2E_TMP/load.out")"
  [ "$ok" -ge 50 ] || fail "only $ok requests were made during $2"
  local want=($1) got=($versions)
  local first=${want[0]} last=${want[${#want[@]}-1]}
  [ "${got[0]}" = "$first" ] && [ "${got[${#got[@]}-1]}" = "$last" ] ||
    fail "answers during $2 went '$versions', expected from $first to $last"
  for v in "${got[@]}"; do
    [ "$v" = "$first" ] || [ "$v" = "$last" ] || fail "answer from $v during $2 (versions: $versions)"
  done
  local changes=""
  [ ${#got[@]} -gt 1 ] && changes=" (the version changed $((${#got[@]} - 1)) times while both served)"
  echo "   $ok requests during $2, none failed, from ${got[0]} to ${got[${#got[@]}-1]}$changes"
}
