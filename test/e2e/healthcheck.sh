# Health checks end to end: a start that never gets healthy and what push says about it, an
# http check whose endpoint hangs, set-health-check, restart-app-instance, and a stop of an app
# that ignores SIGTERM.
source "$(dirname "$0")/lib.sh"
CRASHY="$MICROCF_SOURCE/test/e2e/apps/crashy"
start_platform --ssh-port 0

guid_of() { api GET "/v3/apps?names=$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["resources"][0]["guid"])'; }
# stats APP: "index guid state uptime routable host" per line.
stats() {
  api GET "/v3/processes/$(guid_of "$1")/stats" |
    python3 -c 'import json,sys
for r in json.load(sys.stdin)["resources"]: print(r["index"], r.get("instance_guid", "-"), r["state"], r["uptime"], str(r.get("routable", False)).lower(), r.get("host", "-"))'
}
manifest() {  # manifest FILE NAME EXTRA-YAML...
  local file=$1 name=$2; shift 2
  { echo "applications:"; echo "- name: $name"; echo "  path: $CRASHY"; echo "  memory: 64M"
    echo "  buildpacks: [binary_buildpack]"; echo "  command: python3 server.py"
    for line in "$@"; do echo "  $line"; done; } > "$file"
}

# 1. A timeout above 180 s is refused before anything happens.
manifest "$E2E_TMP/long.yml" long "timeout: 181"
if out=$(mcf push -f "$E2E_TMP/long.yml" 2>&1); then fail "a timeout of 181 s was accepted"; fi
expect_contains "$out" "'timeout' must be at most 180 seconds, got 181" "timeout above 180"

# 2. A start that never gets healthy: push fails and says why.
manifest "$E2E_TMP/nolisten.yml" nolisten "timeout: 2" "env: {CRASHY_NO_LISTEN: '1'}"
if out=$(mcf push -f "$E2E_TMP/nolisten.yml" 2>&1); then echo "$out"; fail "push of an app that never listens succeeded"; fi
expect_contains "$out" "Start unsuccessful" "push of an app that never listens"
expect_contains "$out" "Instance never healthy after 2s: Failed to make TCP connection to port 8080" "the probe target"
expect_contains "$out" "Is the app listening on \$PORT (8080)?" "the hint"
expect_contains "$out" "not listening on purpose" "the app's last lines"
logs=$(mcf logs nolisten --recent 2>&1)
expect_contains "$logs" "[HEALTH/0] ERR Failed to make TCP connection to port 8080" "HEALTH line"
expect_contains "$logs" "[CELL/0] ERR Timed out after 2s: health check never passed." "CELL timeout line"
app=$(mcf app nolisten 2>&1)
expect_contains "$app" "crashed" "microcf app of the app that never listens"
mcf delete nolisten -f >/dev/null || fail "delete nolisten"

# 3. An http health check from the manifest, with an invocation timeout and an interval.
manifest "$E2E_TMP/crashy.yml" crashy "instances: 2" "health-check-type: http" \
  "health-check-http-endpoint: /health" "health-check-invocation-timeout: 2" "health-check-interval: 2"
out=$(mcf push -f "$E2E_TMP/crashy.yml" 2>&1) || { echo "$out"; fail "push crashy with an http check"; }
process=$(api GET "/v3/processes/$(guid_of crashy)")
expect_contains "$process" '"type":"http"' "the process's health check type"
expect_contains "$process" '"endpoint":"/health"' "the process's health check endpoint"
expect_contains "$process" '"invocation_timeout":2' "the process's invocation timeout"
wait_for_body crashy "crashy v1 instance"

# 4. restart-app-instance replaces index 0 only.
before=$(stats crashy)
zero=$(echo "$before" | awk '$1==0{print $2}'); one=$(echo "$before" | awk '$1==1{print $2}')
[ -n "$zero" ] && [ -n "$one" ] || { echo "$before"; fail "two instances before restart-app-instance"; }
out=$(mcf restart-app-instance crashy 0 2>&1) || { echo "$out"; fail "restart-app-instance"; }
expect_contains "$out" "Restarting instance 0 of process web of app crashy in org" "restart-app-instance"
after=""
for _ in $(seq 1 150); do
  after=$(stats crashy)
  new_zero=$(echo "$after" | awk '$1==0 && $3=="RUNNING"{print $2}')
  [ -n "$new_zero" ] && [ "$new_zero" != "$zero" ] && break
  sleep 0.1
done
[ -n "$new_zero" ] && [ "$new_zero" != "$zero" ] || { echo "$after"; fail "index 0 was replaced"; }
[ "$(echo "$after" | awk '$1==1{print $2}')" = "$one" ] || { echo "$before"; echo "$after"; fail "index 1 kept its guid"; }
out=$(mcf restart-app-instance crashy 5 2>&1) && fail "restart-app-instance of index 5 succeeded"
expect_contains "$out" "Instance not found" "restart-app-instance of a bad index"
events=$(mcf events crashy 2>&1)
expect_contains "$events" "audit.app.process.terminate_instance" "the restart's event"

# 5. A health endpoint that hangs: the instance is killed after the invocation timeout and
# comes back.
curl -s --max-time 5 "$(app_url crashy /hang)" >/dev/null || true
events=""
for _ in $(seq 1 300); do
  events=$(mcf events crashy 2>&1) || true
  case "$events" in *"Instance became unhealthy"*) break ;; esac
  sleep 0.1
done
expect_contains "$events" "exit_description: Instance became unhealthy: Failed to make HTTP request to '/health' on port 8080: no response" "a hanging health check is a crash"
logs=$(mcf logs crashy --recent 2>&1)
expect_contains "$logs" "ERR Container became unhealthy" "CELL unhealthy line"
for _ in $(seq 1 300); do
  [ "$(stats crashy | awk '$3=="RUNNING"' | wc -l)" -eq 2 ] && break
  sleep 0.1
done
[ "$(stats crashy | awk '$3=="RUNNING"' | wc -l)" -eq 2 ] || { stats crashy; fail "both instances run again after the hang"; }
wait_for_body crashy "crashy v1 instance"

# 6. set-health-check as cf does it.
out=$(mcf set-health-check crashy port 2>&1) || { echo "$out"; fail "set-health-check"; }
expect_contains "$out" "Updating health check type for app crashy process web in org" "set-health-check"
expect_contains "$out" "OK" "set-health-check"
expect_contains "$out" "TIP: An app restart is required for the change to take effect." "set-health-check tip"
expect_contains "$(api GET "/v3/processes/$(guid_of crashy)")" '"health_check":{"data":{"interval":2,"invocation_timeout":2,"timeout":null},"type":"port"}' "the check after set-health-check"
out=$(mcf set-health-check crashy port --endpoint /x 2>&1) && fail "set-health-check port with an endpoint succeeded"
expect_contains "$out" "--endpoint can only be used with the \"http\" type" "set-health-check endpoint without http"

# 7. A readiness check: failing it takes the instance out of the router, and only that.
manifest "$E2E_TMP/ready.yml" ready "health-check-type: port" "readiness-health-check-type: http" \
  "readiness-health-check-http-endpoint: /health" "readiness-health-check-interval: 1"
out=$(mcf push -f "$E2E_TMP/ready.yml" 2>&1) || { echo "$out"; fail "push ready"; }
expect_contains "$(api GET "/v3/processes/$(guid_of ready)")" '"readiness_health_check":{"data":{"endpoint":"/health","interval":1,"invocation_timeout":null},"type":"http"}' "the readiness check from the manifest"
wait_for_body ready "crashy v1 instance 0"
read -r _ ready_guid _ _ _ ready_host <<< "$(stats ready)"
curl -s --max-time 5 "$(app_url ready /sick)" >/dev/null || true
for _ in $(seq 1 100); do
  [ "$(stats ready | awk '{print $5}')" = "false" ] && break
  sleep 0.1
done
now=$(stats ready)
[ "$(echo "$now" | awk '{print $5}')" = "false" ] || { echo "$now"; fail "a failing readiness check makes the instance unroutable"; }
[ "$(echo "$now" | awk '{print $2, $3}')" = "$ready_guid RUNNING" ] || { echo "$now"; fail "the unready instance keeps running"; }
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$(app_url ready)" || true)
[ "$code" != 200 ] || fail "the router still sends traffic to the unready instance"
curl -s --max-time 5 "http://$ready_host:8080/well" >/dev/null || fail "reach the instance at $ready_host:8080"
wait_for_body ready "crashy v1 instance 0"
[ "$(stats ready | awk '{print $2, $5}')" = "$ready_guid true" ] || { stats ready; fail "the same instance is routable again"; }
logs=$(mcf logs ready --recent 2>&1)
expect_contains "$logs" "Container failed the readiness health check. Container marked not ready and removed from route pool." "readiness failure line"
expect_contains "$logs" "Container passed the readiness health check. Container marked ready and added to route pool." "readiness success line"

# 8. An app that ignores SIGTERM is killed 10 s after the stop.
manifest "$E2E_TMP/stubborn.yml" stubborn "health-check-type: process" "env: {CRASHY_IGNORE_TERM: '1'}"
out=$(mcf push -f "$E2E_TMP/stubborn.yml" 2>&1) || { echo "$out"; fail "push stubborn"; }
wait_for_body stubborn "crashy v1 instance 0"
start=$(date +%s)
mcf stop stubborn >/dev/null || fail "stop stubborn"
for _ in $(seq 1 300); do
  [ "$(stats stubborn | awk '{print $3}')" = "DOWN" ] && break
  sleep 0.1
done
took=$(( $(date +%s) - start ))
[ "$(stats stubborn | awk '{print $3}')" = "DOWN" ] || fail "stubborn did not stop within 30 s"
[ "$took" -ge 9 ] || fail "stubborn stopped after ${took}s: it should have ignored SIGTERM for 10 s"
logs=$(mcf logs stubborn --recent 2>&1)
expect_contains "$logs" "ignoring SIGTERM" "the app saw SIGTERM"
echo "ok: health checks, restart-app-instance and SIGKILL after 10 s (took ${took}s)"
