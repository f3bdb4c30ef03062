# `microcf ssh`: commands and a terminal session inside a running instance, statuses passing
# through, the app's environment, cf-style errors, and the app serving on afterwards.
source "$(dirname "$0")/lib.sh"
SSH_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
start_platform --ssh-port "$SSH_PORT"
(cd "$EXAMPLES/static" && mcf push >/dev/null) || fail "push static"
wait_for_body static "Hello from microcf static"

root=$(curl -s "http://api.localhost:$PORT/")
expect_contains "$root" "\"href\":\"ssh.localhost:$SSH_PORT\"" "links.app_ssh in the API root"

set +e
out=$(mcf ssh static -c 'echo hi; exit 3' </dev/null 2>&1); rc=$?
set -e
[ "$out" = "hi" ] || fail "ssh -c 'echo hi; exit 3' printed '$out'"
[ "$rc" = 3 ] || fail "ssh -c 'exit 3' exited $rc"

out=$(mcf ssh static -c 'echo $VCAP_APPLICATION; whoami; echo port=$PORT; pwd' </dev/null 2>&1) || fail "ssh env: $out"
expect_contains "$out" '"application_name":"static"' "VCAP_APPLICATION in the session"
expect_contains "$out" $'\nvcap\n' "the session's user"
expect_contains "$out" "port=" "PORT in the session"
expect_contains "$out" "/home/vcap/app" "the session starts in the app dir"

out=$(printf 'one\ntwo\n' | mcf ssh static -c 'cat; echo done' 2>&1) || fail "ssh stdin: $out"
[ "$out" = $'one\ntwo\ndone' ] || fail "stdin through ssh printed '$out'"

set +e
out=$(mcf ssh static -i 5 -c true </dev/null 2>&1); rc=$?
set -e
[ "$rc" != 0 ] || fail "ssh -i 5 succeeded"
expect_contains "$out" "Instance 5 of app static" "ssh to a missing instance"
expect_contains "$out" "it has 1 instance" "ssh to a missing instance"

set +e
out=$(mcf ssh nope -c true </dev/null 2>&1); rc=$?
set -e
[ "$rc" != 0 ] || fail "ssh to a missing app succeeded"
expect_contains "$out" "App 'nope' not found" "ssh to a missing app"

# A terminal session: script(1) gives microcf a terminal on stdin.
set +e
out=$(printf 'tty; stty size; exit 7\n' | timeout 30 script -qec "$MICROCF ssh static" /dev/null 2>&1); rc=$?
set -e
expect_contains "$out" "/dev/pts/" "tty in a terminal session"
[ "$rc" = 7 ] || { printf '%s\n' "$out"; fail "the terminal session exited $rc, not 7"; }

# A client that goes away ends its process.
SLEEP=$((30000 + RANDOM))
"$MICROCF" ssh static -c "sleep $SLEEP" </dev/null >/dev/null 2>&1 &
client=$!
sleep 1
kill -TERM "$client"; wait "$client" 2>/dev/null || true
for _ in $(seq 1 50); do
  pgrep -fx "sleep $SLEEP" >/dev/null || break
  sleep 0.1
done
! pgrep -fx "sleep $SLEEP" >/dev/null || fail "the process of a session whose client left still runs"

wait_for_body static "Hello from microcf static"
out=$(mcf app static)
expect_contains "$out" "running" "the app keeps running"
echo "ok: ssh commands, statuses, env, errors, a terminal session; the app still serves"
