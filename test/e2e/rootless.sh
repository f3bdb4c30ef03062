# Without root: `microcf up` as an ordinary user (nobody) runs apps in containers of their own
# user namespace on the host's network. It says so once; apps serve through the router; inside,
# an app is vcap, sees only its own processes, has its instance's hostname and a read-only
# /usr; stopping microcf leaves nothing running.
source "$(dirname "$0")/lib.sh"

USER_ID=65534
as_user() { setpriv --reuid="$USER_ID" --regid="$USER_ID" --clear-groups "$@"; }
if ! as_user unshare --user --map-user=2000 --map-group=2000 --mount --pid --fork true 2>/dev/null
then
  echo "skipped: this kernel does not let users without root create user namespaces"
  exit 77
fi
# The user must reach the binaries, the source tree (buildpacks, stemcell, examples) and the
# data dir, and nothing of root's: the data dir is its own.
for path in "$MICROCF" "$EXAMPLES/static/index.html" "$MICROCF_SOURCE/stemcell/host/etc/passwd"; do
  as_user test -r "$path" || { echo "skipped: uid $USER_ID cannot read $path"; exit 77; }
done
chmod 711 "$E2E_TMP"
mkdir -p "$MICROCF_HOME"
chown "$USER_ID:$USER_ID" "$MICROCF_HOME"
# Every microcf command of this test, `up` included, runs as that user.
cat > "$E2E_TMP/microcf-as-user" <<SH
#!/bin/sh
exec setpriv --reuid=$USER_ID --regid=$USER_ID --clear-groups env HOME="$MICROCF_HOME" "$MICROCF" "\$@"
SH
chmod 755 "$E2E_TMP/microcf-as-user"
MICROCF="$E2E_TMP/microcf-as-user"

SSH_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
start_platform --ssh-port "$SSH_PORT"
[ "$(stat -c %u /proc/"$UP_PID")" = "$USER_ID" ] || fail "microcf up does not run as uid $USER_ID"

(cd "$EXAMPLES/static" && mcf push -k 32M >/dev/null) || fail "push static"
wait_for_body static "Hello from microcf static"
(cd "$EXAMPLES/python" && mcf push >/dev/null) || fail "push python"
wait_for_body python "Hello from microcf python"

said=$(grep -c "microcf runs without root" "$E2E_TMP/up.log" || true)
[ "$said" = 1 ] || fail "up said that it runs without root $said times, not once"
up_log=$(cat "$E2E_TMP/up.log")
expect_contains "$up_log" "share the host's network" "the start message"
expect_contains "$up_log" "memory, pids and CPU limits are not enforced" "the start message"
expect_contains "$up_log" "Run \`microcf up\` as root for all of it" "the start message"

# Each instance listens on a port of the host, which the router and health checks use.
first() {  # first EXPR: EXPR of the first resource of the JSON on stdin
  python3 -c "import json,sys; r = json.load(sys.stdin)['resources'][0]; print(r$1)"
}
app_guid=$(api GET "/v3/apps?names=python" | first '["guid"]')
stats=$(api GET "/v3/apps/$app_guid/processes/web/stats")
host=$(printf '%s' "$stats" | first '["host"]')
port=$(printf '%s' "$stats" | first '["instance_ports"][0]["external"]')
[ "$host" = 127.0.0.1 ] || fail "the instance's host is '$host', not 127.0.0.1"
expect_contains "$(curl -s "http://127.0.0.1:$port/")" "Hello from microcf python" \
  "the app on its host port $port"

inside=$(mcf ssh python -c 'echo "uid=$(id -u) gid=$(id -g) port=$PORT"
  echo "hostname=$(hostname)"; echo "processes=$(ls -d /proc/[0-9]* | wc -l)"
  touch /usr/microcf-was-here 2>&1 || true
  touch /home/vcap/app/written && echo home-writable' </dev/null 2>&1) ||
  fail "ssh into python: $inside"
printf '%s\n' "$inside"
expect_contains "$inside" "uid=2000 gid=2000 port=$port" "the app's user and port"
handles=$(ls "$MICROCF_HOME/depot")
hostname=$(printf '%s\n' "$inside" | sed -n 's/^hostname=//p')
[ -n "$hostname" ] && printf '%s\n' "$handles" | grep -qx "$hostname" ||
  fail "the hostname '$hostname' is not an instance guid (containers: $handles)"
processes=$(printf '%s\n' "$inside" | sed -n 's/^processes=//p')
# pid 1, the app, the ssh command's shell and its commands: a handful, not the host's.
[ "$processes" -lt 10 ] ||
  fail "the app sees $processes processes: it has no pid namespace of its own"
case "$inside" in *"microcf up"*) fail "the app sees microcf itself" ;; esac
expect_contains "$inside" "Read-only file system" "writing /usr"
[ ! -e /usr/microcf-was-here ] || fail "the app wrote into the host's /usr"
expect_contains "$inside" "home-writable" "writing /home/vcap"

set +e
out=$(mcf ssh static -c 'ls /proc/1/root/ && echo pid1-readable' </dev/null 2>&1)
set -e
case "$out" in
  *pid1-readable*) fail "an app reads its container's pid 1 (which keeps capabilities)" ;;
esac
# The writable layer is a tmpfs of the disk quota: writing past it fails inside.
out=$(mcf ssh static -c 'head -c 48M /dev/zero > /tmp/fill; echo status=$?; rm -f /tmp/fill' \
  </dev/null 2>&1) || true
expect_contains "$out" "No space left on device" "writing 48M past a 32M disk quota"
expect_contains "$out" "status=1" "writing 48M past a 32M disk quota"
wait_for_body static "Hello from microcf static"

# Every process microcf started, containers included, is its descendant: none outlives it.
descendants() {  # descendants PID: every process below PID
  local child
  for child in $(pgrep -P "$1" || true); do echo "$child"; descendants "$child"; done
}
started=$(descendants "$UP_PID")
[ -n "$started" ] || fail "microcf up has no child processes while two apps run"
stop_platform
sleep 0.5
for pid in $started; do
  # A zombie has ended already; only its parent has yet to reap it.
  state=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' /proc/"$pid"/status 2>/dev/null || true)
  if [ -n "$state" ] && [ "$state" != Z ]; then
    fail "process $pid ($(tr '\0' ' ' < /proc/"$pid"/cmdline 2>/dev/null)) outlived microcf"
  fi
done
left=$(leftover_processes)
[ -z "$left" ] || fail "processes of the data dir outlived microcf: $left"
! grep -q "$E2E_TMP" /proc/self/mountinfo || fail "mounts of the data dir are left on the host"
left=$(ls -A "$MICROCF_HOME/depot")
[ -z "$left" ] || fail "container folders are left: $left"
echo "PASS: rootless"
