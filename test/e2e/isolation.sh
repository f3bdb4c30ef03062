# Isolation: an app that tries to break out of its container and apps that go past their
# limits. Every attempt fails, the neighbour keeps serving, and the host is unharmed.
source "$(dirname "$0")/lib.sh"

# A server "outside" in a network namespace this test makes: port 9000 is not allowed by any
# rule, port 9001 is allowed by the running security group given to microcf.
NS="mcfiso$$"
OUTSIDE_IP=10.253.77.2
ip netns add "$NS" || fail "cannot create network namespace $NS"
netns_cleanup() {
  ip netns pids "$NS" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
  ip link del "${NS}h" 2>/dev/null || true
  ip netns del "$NS" 2>/dev/null || true
  [ -n "${HOST_SERVER:-}" ] && kill "$HOST_SERVER" 2>/dev/null || true
}
trap 'rc=$?; set +e; netns_cleanup; (exit $rc); cleanup' EXIT
ip link add "${NS}h" type veth peer name "${NS}n"
ip link set "${NS}n" netns "$NS"
ip addr add 10.253.77.1/30 dev "${NS}h" && ip link set "${NS}h" up
ip -n "$NS" addr add "$OUTSIDE_IP/30" dev "${NS}n"
ip -n "$NS" link set "${NS}n" up && ip -n "$NS" link set lo up
ip -n "$NS" route add default via 10.253.77.1
# A bare TCP server: http.server looks its address up in DNS first, which this namespace has not.
serve() {  # serve IP PORT
  python3 -c 'import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(16)
while True:
    c, _ = s.accept()
    c.sendall(b"HTTP/1.0 200 OK\r\n\r\nok\n")
    c.close()' "$1" "$2"
}
for port in 9000 9001; do
  ip netns exec "$NS" bash -c "$(declare -f serve); serve $OUTSIDE_IP $port" >/dev/null 2>&1 &
done
# A server on the host, on every address: containers must not reach the host either.
HOST_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("0.0.0.0", 0)); print(s.getsockname()[1])')
serve 0.0.0.0 "$HOST_PORT" >/dev/null 2>&1 &
HOST_SERVER=$!
reachable() { python3 -c "import socket,sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=1)" "$1" "$2" 2>/dev/null; }
for _ in $(seq 1 50); do reachable "$OUTSIDE_IP" 9001 && reachable "$OUTSIDE_IP" 9000 && break; sleep 0.1; done
reachable "$OUTSIDE_IP" 9001 || fail "the test's outside server does not answer on $OUTSIDE_IP:9001"

cat > "$E2E_TMP/asg.json" <<JSON
[{"protocol": "tcp", "destination": "$OUTSIDE_IP", "ports": "9001", "description": "the test's allowed server"}]
JSON
start_platform --running-security-group "$E2E_TMP/asg.json"

(cd "$E2E_TMP" && mcf push victim -p "$EXAMPLES/static" -b staticfile_buildpack >/dev/null) || fail "push victim"
wait_for_body victim "Hello from microcf static"
app_guid=$(api GET "/v3/apps?names=victim" | python3 -c 'import json,sys; print(json.load(sys.stdin)["resources"][0]["guid"])')
VICTIM_IP=$(api GET "/v3/apps/$app_guid/processes/web/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["resources"][0]["host"])')
case "$VICTIM_IP" in 127.*|"") fail "the victim runs on the host's network ($VICTIM_IP), not in its own" ;; esac
# The host's address on the containers' bridge: the gateway of the victim's subnet.
HOST_IP=$(ip -o route get "$VICTIM_IP" | sed -n 's/.* src \([0-9.]*\).*/\1/p')

mkdir -p "$E2E_TMP/attacker"
cp "$MICROCF_SOURCE/test/e2e/apps/attacker/probe.py" "$E2E_TMP/attacker/"
cat > "$E2E_TMP/attacker/manifest.yml" <<YAML
applications:
- name: attacker
  memory: 64M
  buildpacks: [binary_buildpack]
  command: python3 probe.py
  env:
    HOST_HOME: $MICROCF_HOME
    VICTIM_IP: $VICTIM_IP
    HOST_IP: $HOST_IP
    HOST_PORT: "$HOST_PORT"
    OUTSIDE_IP: $OUTSIDE_IP
    DENIED_PORT: "9000"
    ALLOWED_PORT: "9001"
YAML
(cd "$E2E_TMP/attacker" && mcf push >/dev/null) || fail "push attacker"
wait_for_body attacker "PROBE reach-allowed-address" 60
probes=$(curl -s "$(app_url attacker)")
printf '%s\n' "$probes"
for probe in read-other-app read-database write-stemcell write-etc write-root list-processes \
             see-host-mounts capabilities hostname reach-other-container reach-host \
             reach-denied-address; do
  expect_contains "$probes" "PROBE $probe blocked" "attempt $probe"
done
expect_contains "$probes" "PROBE reach-allowed-address reached" "the security group's destination"
[ ! -e /usr/bin/microcf-was-here ] || fail "the attacker wrote into the host's /usr"
wait_for_body victim "Hello from microcf static"

# Limits: each hog goes past one and must harm nothing but itself.
push_hog() {  # push_hog NAME HOG MEMORY DISK
  mkdir -p "$E2E_TMP/$1"
  cp "$MICROCF_SOURCE/test/e2e/apps/hog/hog.sh" "$E2E_TMP/$1/"
  printf 'applications:\n- name: %s\n  memory: %s\n  disk_quota: %s\n  buildpacks: [binary_buildpack]\n  command: ./hog.sh\n  health-check-type: process\n  env:\n    HOG: %s\n' \
    "$1" "$3" "$4" "$2" > "$E2E_TMP/$1/manifest.yml"
  (cd "$E2E_TMP/$1" && mcf push >/dev/null 2>&1 || true)
}
df_before=$(df --output=avail "$E2E_TMP" | tail -1)
push_hog memhog memory 64M 256M
push_hog forkbomb pids 512M 256M
push_hog diskhog disk 128M 64M

wait_logs() {  # wait_logs APP TEXT
  for _ in $(seq 1 300); do
    logs=$(mcf logs "$1" --recent 2>&1 || true)
    case "$logs" in *"$2"*) return 0 ;; esac
    sleep 0.2
  done
  printf '%s\n' "$logs" | tail -20
  fail "$1: expected '$2' in its logs"
}
wait_logs memhog "Exited with status 137 (out of memory)"
wait_logs forkbomb "HOG pids forked"
forked=$(mcf logs forkbomb --recent | sed -n 's/.*HOG pids forked \([0-9]*\).*/\1/p' | tail -1)
[ "$forked" -lt 1100 ] || fail "the fork bomb got $forked processes; the pids limit is 1024"
wait_logs diskhog "HOG disk /home/vcap stopped: "
wait_logs diskhog "HOG disk /tmp stopped: "
expect_contains "$(mcf logs diskhog --recent)" "No space left on device" "the disk quota stops writes"
df_after=$(df --output=avail "$E2E_TMP" | tail -1)
[ $((df_before - df_after)) -lt 200000 ] || fail "the disk hog used $((df_before - df_after)) KiB of the host's disk"

wait_for_body victim "Hello from microcf static"
/bin/true || fail "the host cannot start processes"
echo "ok: every escape attempt failed, limits held, the neighbour kept serving"
