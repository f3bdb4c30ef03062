# The built-in data services end to end: apps reach only the data servers bound to them; a
# PostgreSQL instance bound to two apps is one database for both and survives a restart of
# microcf; a second instance is out of the first one's reach; unbinding revokes the
# credentials; a killed PostgreSQL server is restarted with its data.
source "$(dirname "$0")/lib.sh"

PROBE="$MICROCF_SOURCE/test/e2e/apps/svcprobe"
PSQL=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | tail -1)/psql
[ -x "$PSQL" ] || { echo "skipped: PostgreSQL is not installed (apt-get install postgresql)"; exit 77; }

start_platform

# json_get EXPR: evaluates a Python expression over the JSON on stdin (as j).
json_get() { python3 -c "import json,sys; j=json.load(sys.stdin); print($1)"; }
app_guid() { api GET "/v3/apps?names=$1" | json_get 'j["resources"][0]["guid"]'; }
# creds APP INSTANCE: the credentials of the app's binding to the instance, as JSON.
creds() {
  api GET "/v3/apps/$(app_guid "$1")/env" | python3 -c "
import json, sys
vcap = json.load(sys.stdin)['system_env_json']['VCAP_SERVICES']
for entries in vcap.values():
    for s in entries:
        if s.get('instance_name') == '$2' or s.get('name') == '$2':
            print(json.dumps(s['credentials']))
"
}
field() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
# psql_as CREDS SQL [DB]: psql from the host with the credentials; prints its output.
psql_as() {
  PGPASSWORD=$(echo "$1" | field password) PGCONNECT_TIMEOUT=5 "$PSQL" -X -q -t -A \
    -h "$(echo "$1" | field hostname)" -p "$(echo "$1" | field port)" \
    -U "$(echo "$1" | field username)" -d "${3:-$(echo "$1" | field name)}" -c "$2" 2>&1 || true
}
# Managed services through the CLI, as a user types them; --wait follows each job to its end.
si_guid() { api GET "/v3/service_instances?names=$1" | json_get 'j["resources"][0]["guid"] if j["resources"] else ""'; }
binding_guid() {  # binding_guid APP NAME
  api GET "/v3/service_credential_bindings?app_guids=$(app_guid "$1")&service_instance_guids=$(si_guid "$2")" |
    json_get 'j["resources"][0]["guid"] if j["resources"] else ""'
}
run_cli() {  # run_cli WHAT ARGS...: the command must succeed
  local what=$1 out
  shift
  out=$(mcf "$@" 2>&1) || { echo "$out" | tail -20; fail "$what"; }
}
svc_create() { run_cli "create-service $1 $2" create-service "$1" default "$2" --wait; }
svc_bind() { run_cli "bind-service $1 $2" bind-service "$1" "$2" --wait; }
svc_unbind() {
  run_cli "unbind-service $1 $2" unbind-service "$1" "$2" --wait
  [ -z "$(binding_guid "$1" "$2")" ] || fail "unbind-service $1 $2: the binding is still there"
}
svc_delete() {
  run_cli "delete-service $1" delete-service "$1" -f --wait
  [ -z "$(si_guid "$1")" ] || fail "delete-service $1: the instance is still there"
}

push_probe() {  # push_probe NAME
  local out
  out=$(cd "$PROBE" && mcf push --var "name=$1" 2>&1) || { echo "$out" | tail -20; fail "push $1"; }
  wait_for_body "$1" svcprobe 60
}

# --- Apps reach only the endpoints in their bindings' credentials inside microcf's subnet.
push_probe probe-a
push_probe probe-b
ip_b=$(curl -s --max-time 5 "$(app_url probe-b /ip)")
[ -n "$ip_b" ] || fail "probe-b did not say its IP"
out=$(curl -s --max-time 10 "$(app_url probe-a "/connect?host=$ip_b&port=8080")")
case "$out" in failed*) ;; *) fail "probe-a reached probe-b without a binding: $out" ;; esac
mcf cups near -p "{\"hostname\":\"$ip_b\",\"port\":8080}" >/dev/null || fail "cups near"
mcf bind-service probe-a near >/dev/null || fail "bind near"
mcf restart probe-a >/dev/null || fail "restart probe-a"
wait_for_body probe-a svcprobe 60
out=$(curl -s --max-time 10 "$(app_url probe-a /services)")
expect_contains "$out" "near $ip_b:8080 connected" "a bound endpoint in the subnet is reachable"
out=$(curl -s --max-time 10 "$(app_url probe-a "/connect?host=$ip_b&port=8081")")
case "$out" in connected) fail "probe-a reached a port its binding does not name" ;; esac

# --- The marketplace lists the built-in offerings (registered at start, on the loop).
for _ in $(seq 1 50); do
  out=$(mcf marketplace 2>&1 || true)
  case "$out" in *postgresql*|*mysql*|*redis*) [ "$(echo "$out" | grep -cE '^(postgresql|mysql|redis) ')" = 3 ] && break ;; esac
  sleep 0.2
done
for s in postgresql mysql redis; do expect_contains "$out" "$s" "the marketplace lists $s"; done

# --- A PostgreSQL instance bound to two apps.
svc_create postgresql db1
svc_bind probe-a db1
svc_bind probe-b db1
mcf restart probe-a >/dev/null || fail "restart probe-a"
mcf restart probe-b >/dev/null || fail "restart probe-b"
wait_for_body probe-a svcprobe 60
wait_for_body probe-b svcprobe 60
ca=$(creds probe-a db1)
cb=$(creds probe-b db1)
[ -n "$ca" ] && [ -n "$cb" ] || fail "the apps' VCAP_SERVICES lack db1's credentials"
[ "$(echo "$ca" | field username)" != "$(echo "$cb" | field username)" ] ||
  fail "two bindings got the same user"
[ "$(echo "$ca" | field name)" = "$(echo "$cb" | field name)" ] || fail "two bindings, two databases"
db_host=$(echo "$ca" | field hostname)
for app in probe-a probe-b; do
  out=$(curl -s --max-time 10 "$(app_url $app /services)")
  expect_contains "$out" "db1 $db_host:5432 connected" "$app reaches its PostgreSQL"
done
out=$(psql_as "$ca" "CREATE TABLE rows (body text); INSERT INTO rows VALUES ('from a')")
[ -z "$out" ] || fail "writing with probe-a's credentials: $out"
out=$(psql_as "$cb" "INSERT INTO rows VALUES ('from b'); SELECT count(*) FROM rows")
[ "$out" = 2 ] || fail "probe-b's credentials see probe-a's rows: $out"

# The example app: two copies bound to db1 share their notes.
if [ -d "$EXAMPLES/pg-notes" ]; then
  for app in notes-a notes-b; do
    out=$(cd "$E2E_TMP" && mcf push "$app" -p "$EXAMPLES/pg-notes" -b python_buildpack -m 128M 2>&1) ||
      { echo "$out" | tail -20; fail "push $app"; }
    svc_bind "$app" db1
    mcf restart "$app" >/dev/null || fail "restart $app"
  done
  wait_for_body notes-a "db1" 60
  curl -s --max-time 10 -d "milk from a" "$(app_url notes-a /notes)" >/dev/null || fail "POST a note"
  out=$(curl -s --max-time 10 "$(app_url notes-b /notes)")
  expect_contains "$out" "milk from a" "notes-b reads what notes-a wrote"
fi

# --- A second instance: its own database, out of reach of the first one's users.
svc_create postgresql db2
push_probe probe-c
svc_bind probe-c db2
cc=$(creds probe-c db2)
[ "$(echo "$cc" | field name)" != "$(echo "$ca" | field name)" ] || fail "db2 shares db1's database"
out=$(psql_as "$cc" "SELECT count(*) FROM rows" "$(echo "$ca" | field name)")
case "$out" in 2) fail "db2's user reads db1's data" ;; esac
out=$(psql_as "$cc" "SELECT count(*) FROM pg_tables WHERE tablename = 'rows'")
[ "$out" = 0 ] || fail "db2 sees db1's table: $out"

# --- microcf restarts: the server comes back on its address; the data is there.
stop_platform
start_platform
wait_for_body probe-b svcprobe 60
ok=""
for _ in $(seq 1 60); do
  out=$(psql_as "$cb" "SELECT count(*) FROM rows")
  [ "$out" = 2 ] && { ok=1; break; }
  sleep 1
done
[ -n "$ok" ] || fail "after a restart of microcf, db1 answered: $out"
out=$(curl -s --max-time 10 "$(app_url probe-b /services)")
expect_contains "$out" "db1 $db_host:5432 connected" "probe-b reaches PostgreSQL after a restart"
if [ -d "$EXAMPLES/pg-notes" ]; then
  for _ in $(seq 1 60); do
    out=$(curl -s --max-time 5 "$(app_url notes-b /notes)" || true)
    case "$out" in *"milk from a"*) break ;; esac
    sleep 1
  done
  expect_contains "$out" "milk from a" "notes-b reads the note after a restart of microcf"
  curl -s --max-time 10 -d "bread from b" "$(app_url notes-b /notes)" >/dev/null || fail "POST after restart"
  expect_contains "$(curl -s --max-time 10 "$(app_url notes-a /notes)")" "bread from b" "notes-a reads notes-b's note"
fi

# --- Unbinding revokes: probe-a's credentials stop working, probe-b's keep working.
svc_unbind probe-a db1
out=$(psql_as "$ca" "SELECT 1")
[ "$out" = 1 ] && fail "probe-a's credentials still work after unbind"
out=$(psql_as "$cb" "SELECT count(*) FROM rows")
[ "$out" = 2 ] || fail "probe-b's credentials after probe-a's unbind: $out"

# --- kill -9 of the PostgreSQL server: restarted, data intact.
pg_pid=""
for pid in $(pgrep -f "postgres -D /tmp/data/pg" || true); do
  grep -q "listen_addresses=$db_host" "/proc/$pid/cmdline" 2>/dev/null && { pg_pid=$pid; break; }
done
[ -n "$pg_pid" ] || fail "no PostgreSQL server listening on $db_host"
kill -9 "$pg_pid"
ok=""
for _ in $(seq 1 60); do
  out=$(psql_as "$cb" "SELECT count(*) FROM rows")
  [ "$out" = 2 ] && { ok=1; break; }
  sleep 1
done
[ -n "$ok" ] || fail "PostgreSQL did not come back with its data after kill -9: $out"
grep -q "PostgreSQL exited" "$E2E_TMP/up.log" || fail "the log does not say PostgreSQL exited"

# --- Deleting the instance removes its data.
svc_unbind probe-b db1
if [ -d "$EXAMPLES/pg-notes" ]; then svc_unbind notes-a db1; svc_unbind notes-b db1; fi
svc_delete db1
out=$(psql_as "$cc" "SELECT count(*) FROM pg_database WHERE datname = '$(echo "$ca" | field name)'")
[ "$out" = 0 ] || fail "db1's database outlived delete-service: $out"
# --- Redis: the example counter, bound to a server of its own; two copies count together.
if command -v redis-server >/dev/null && [ -d "$EXAMPLES/redis-counter" ]; then
  svc_create redis cache
  for app in counter-a counter-b; do
    out=$(cd "$E2E_TMP" && mcf push "$app" -p "$EXAMPLES/redis-counter" -b python_buildpack -m 128M 2>&1) ||
      { echo "$out" | tail -20; fail "push $app"; }
    svc_bind "$app" cache
    mcf restart "$app" >/dev/null || fail "restart $app"
  done
  wait_for_body counter-a "cache" 60
  curl -s --max-time 10 -X POST "$(app_url counter-a /hit)" >/dev/null || fail "POST /hit"
  out=$(curl -s --max-time 10 -X POST "$(app_url counter-b /hit)")
  [ "$(echo "$out" | tr -d '[:space:]')" = 2 ] || fail "counter-b after counter-a's hit answered '$out', not 2"
  svc_unbind counter-a cache
  svc_unbind counter-b cache
  svc_delete cache
else
  echo "redis-server is not installed: the Redis step is skipped (apt-get install redis-server)"
fi
echo "PASS services_builtin"
