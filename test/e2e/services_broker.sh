# A service broker's whole life through the CLI, against the OSB test broker (osb_broker.py):
# register it, its plans stay hidden from a developer until enable-service-access, a sync and
# an async instance (polled until it succeeds), a binding whose credentials reach the app's
# VCAP_SERVICES under the offering's label, a service key, then unbind, delete and
# deregister. The broker's request log shows what microcf sent: the OSB headers, basic auth,
# the last_operation polls with service_id/plan_id/operation.
source "$(dirname "$0")/lib.sh"
# The broker runs from the test's temporary folder: lib.sh's cleanup ends it with the rest.
BROKER_PY="$E2E_TMP/osb_broker.py"
cp "$MICROCF_SOURCE/test/e2e/osb_broker.py" "$BROKER_PY"
# die MESSAGE: fail from inside $(...), where stdout is captured.
die() { fail "$@" >&2; }
python3 "$BROKER_PY" --self-test >/dev/null || fail "the test broker's self-test"

export MICROCF_BROKER_POLL_MS=200
start_platform
API="http://api.localhost:$PORT"

# The test broker on a free loopback port, stopped at exit.
BROKER_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BROKER="http://127.0.0.1:$BROKER_PORT"
python3 "$BROKER_PY" --port "$BROKER_PORT" --user broker-user --password broker-pass > "$E2E_TMP/broker.log" 2>&1 &
disown  # lib.sh's cleanup ends it; no "Killed" line then
for _ in $(seq 1 100); do curl -sf "$BROKER/_requests" >/dev/null && break; sleep 0.1; done
curl -sf "$BROKER/_requests" >/dev/null || fail "the test broker did not start: $(cat "$E2E_TMP/broker.log")"
control() { curl -sf -X POST -d "$1" "$BROKER/_control" >/dev/null || fail "broker control $1"; }

# broker_log PYTHON WHAT [ARGS...]: runs PYTHON with `log` = the broker's request log (a list
# of {method, path, query, headers, body}) and `args` = [WHAT, ARGS...]; a failed assert
# fails the test.
broker_log() {
  curl -s "$BROKER/_requests" > "$E2E_TMP/requests.json"
  python3 - "$E2E_TMP/requests.json" "${@:2}" <<PY || fail "broker request log: $2"
import base64, json, sys
log = json.load(open(sys.argv[1]))
args = sys.argv[2:]
$1
PY
}
# json_of EXPR: evaluates EXPR on the JSON read from stdin (as d).
json_of() { python3 -c 'import json, sys; d = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
# as USER CMD...: the CLI in USER's own home.
as() { local u=$1; shift; MICROCF_HOME="$E2E_TMP/as-$u" "$MICROCF" "$@"; }
ADMIN_GUID=$(mcf oauth-token | python3 -c '
import base64, json, sys
p = sys.stdin.read().split()[-1].split(".")[1]
print(json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))["user_id"])')

# --- Registration ---------------------------------------------------------------------------
out=$(mcf create-service-broker test-broker broker-user broker-pass "$BROKER" 2>&1) || fail "create-service-broker: $out"
expect_contains "$out" "Creating service broker test-broker as admin..." "create-service-broker says what it does"
expect_contains "$out" "OK" "create-service-broker succeeds"
out=$(mcf service-brokers 2>&1) || fail "service-brokers: $out"
expect_contains "$out" "test-broker" "service-brokers lists the broker"
expect_contains "$out" "$BROKER" "service-brokers shows its URL"
# The catalog was fetched with OSB's headers and the broker's credentials.
broker_log '
cat = [r for r in log if r["path"] == "/v2/catalog"]
assert len(cat) == 1, cat
h = cat[0]["headers"]
assert h["x-broker-api-version"] == "2.15", h
assert h["authorization"] == "Basic " + base64.b64encode(b"broker-user:broker-pass").decode(), h
assert len(h["x-broker-api-request-identity"]) == 36, h
assert h["x-api-info-location"].endswith("/v3/info"), h
' "catalog request"
echo "ok: create-service-broker"

# --- Visibility: admins see new plans, developers only after enable-service-access ------------
mcf create-user dev1 pw-dev1 >/dev/null || fail "create-user dev1"
mcf set-space-role dev1 microcf dev SpaceDeveloper >/dev/null || fail "dev1: SpaceDeveloper"
out=$(as dev1 login -a "$API" -u dev1 -p pw-dev1 -o microcf -s dev 2>&1) || fail "login as dev1: $out"
out=$(mcf marketplace 2>&1) || fail "marketplace as admin: $out"
expect_contains "$out" "overview-service" "the admin's marketplace lists the new offering"
out=$(mcf marketplace -e overview-service 2>&1) || fail "marketplace -e as admin: $out"
for plan in small async async-fails slow fails badjson; do
  expect_contains "$out" "$plan" "the admin's marketplace -e lists plan $plan"
done
out=$(as dev1 marketplace 2>&1) || fail "marketplace as dev1: $out"
case "$out" in *overview-service*) fail "a developer sees the offering before enable-service-access: $out" ;; esac
n=$(curl -s -H "Authorization: $(as dev1 oauth-token)" "$API/v3/service_plans?service_broker_names=test-broker" | json_of 'len(d["resources"])')
[ "$n" = 0 ] || fail "a developer sees $n plans before enable-service-access"
vis=$(api GET "/v3/service_plans?service_broker_names=test-broker" | json_of 'sorted(set(p["visibility_type"] for p in d["resources"]))')
[ "$vis" = "['admin']" ] || fail "new plans should start with visibility 'admin', got $vis"

out=$(mcf enable-service-access overview-service 2>&1) || fail "enable-service-access: $out"
expect_contains "$out" "OK" "enable-service-access succeeds"
out=$(as dev1 marketplace 2>&1) || fail "marketplace as dev1: $out"
expect_contains "$out" "overview-service" "the developer's marketplace lists the offering after enable-service-access"
n=$(curl -s -H "Authorization: $(as dev1 oauth-token)" "$API/v3/service_plans?service_broker_names=test-broker" | json_of 'len(d["resources"])')
[ "$n" = 6 ] || fail "the developer sees $n plans after enable-service-access, not 6"
echo "ok: marketplace and enable-service-access"

# --- A synchronous instance -----------------------------------------------------------------
out=$(mcf create-service overview-service small db-small -c '{"size":"tiny"}' -t "mine, other" 2>&1) || fail "create-service small: $out"
expect_contains "$out" "OK" "create-service (sync plan) ends OK"
out=$(mcf service db-small 2>&1) || fail "service db-small: $out"
expect_contains "$out" "create succeeded" "service db-small shows the finished create"
SMALL=$(mcf service db-small --guid) || fail "service db-small --guid"
SPACE_GUID=$(api GET "/v3/spaces?names=dev" | json_of 'd["resources"][0]["guid"]')
broker_log '
iid, admin, space = args[1], args[2], args[3]
puts = [r for r in log if r["method"] == "PUT" and r["path"] == "/v2/service_instances/" + iid]
assert len(puts) == 1, puts
r = puts[0]
assert r["query"].get("accepts_incomplete") == "true", r["query"]
b = r["body"]
assert b["service_id"] == "overview-service-id" and b["plan_id"] == "plan-small", b
assert b["space_guid"] == space and b["context"]["space_guid"] == space, b
assert b["context"]["platform"] == "cloudfoundry" and b["context"]["instance_name"] == "db-small", b
assert b["context"]["space_name"] == "dev" and b["context"]["organization_name"] == "microcf", b
assert b["parameters"] == {"size": "tiny"}, b
kind, ident = r["headers"]["x-broker-api-originating-identity"].split(" ")
assert kind == "cloudfoundry", kind
assert json.loads(base64.b64decode(ident)) == {"user_id": admin}, base64.b64decode(ident)
' "provision of db-small" "$SMALL" "$ADMIN_GUID" "$SPACE_GUID"
echo "ok: create-service (sync)"

out=$(mcf update-service db-small -c '{"size":"big"}' 2>&1) || fail "update-service: $out"
expect_contains "$out" "OK" "update-service succeeds"
broker_log '
iid = args[1]
p = [r for r in log if r["method"] == "PATCH" and r["path"] == "/v2/service_instances/" + iid]
assert len(p) == 1, p
b = p[0]["body"]
assert b["service_id"] == "overview-service-id" and b["parameters"] == {"size": "big"}, b
assert b["previous_values"]["plan_id"] == "plan-small", b
assert p[0]["query"].get("accepts_incomplete") == "true", p[0]["query"]
' "update of db-small" "$SMALL"
out=$(mcf update-service-broker test-broker broker-user broker-pass "$BROKER" 2>&1) || fail "update-service-broker: $out"
expect_contains "$out" "OK" "update-service-broker succeeds"
broker_log 'assert len([r for r in log if r["path"] == "/v2/catalog"]) == 2, "the catalog was not fetched again"' "update-service-broker"
echo "ok: update-service, update-service-broker"

# --- An asynchronous instance: in progress, polled until it succeeds --------------------------
control '{"async_polls": 25}'
out=$(mcf create-service overview-service async db-async 2>&1) || fail "create-service async: $out"
expect_contains "$out" "Create in progress. Use 'microcf services' or 'microcf service db-async' to check operation status." "create-service (async plan) is in progress"
out=$(mcf service db-async 2>&1) || fail "service db-async: $out"
expect_contains "$out" "create in progress" "service db-async shows the create in progress"
for _ in $(seq 1 150); do
  out=$(mcf service db-async 2>&1)
  case "$out" in *"create succeeded"*) break ;; esac
  sleep 0.2
done
expect_contains "$out" "create succeeded" "db-async's create succeeds after polling (30 s)"
ASYNC=$(mcf service db-async --guid)
state=$(api GET "/v3/service_instances/$ASYNC" | json_of 'd["last_operation"]["type"] + " " + d["last_operation"]["state"]')
[ "$state" = "create succeeded" ] || fail "db-async's last_operation: $state"
sleep 1  # no polls after the broker said succeeded
broker_log '
iid = args[1]
polls = [r for r in log if r["path"] == "/v2/service_instances/" + iid + "/last_operation"]
assert len(polls) == 25, "%d polls, the broker finishes at the 25th" % len(polls)
for r in polls:
    assert r["method"] == "GET", r
    assert r["query"] == {"service_id": "overview-service-id", "plan_id": "plan-async",
                          "operation": "provision-" + iid[:8]}, r["query"]
    h = r["headers"]
    assert h["x-broker-api-version"] == "2.15", h
    assert h["authorization"] == "Basic " + base64.b64encode(b"broker-user:broker-pass").decode(), h
    assert len(h["x-broker-api-request-identity"]) == 36, h
    assert h["x-broker-api-originating-identity"].startswith("cloudfoundry "), h
ids = [r["headers"]["x-broker-api-request-identity"] for r in polls]
assert len(set(ids)) == len(ids), "request identities repeat"
' "last_operation polls of db-async" "$ASYNC"
out=$(mcf services 2>&1) || fail "services: $out"
expect_contains "$out" "db-small" "services lists db-small"
expect_contains "$out" "db-async" "services lists db-async"
echo "ok: create-service (async), polling"

# --- Binding reaches VCAP_SERVICES at restart -------------------------------------------------
out=$(cd "$E2E_TMP" && mcf push static -p "$EXAMPLES/static" -m 64M 2>&1) || { echo "$out"; fail "push static"; }
wait_for_body static "Hello from microcf static"
APP=$(api GET "/v3/apps?names=static" | json_of 'd["resources"][0]["guid"]')
out=$(mcf bind-service static db-small --binding-name primary 2>&1) || fail "bind-service: $out"
expect_contains "$out" "Binding service instance db-small to app static in org microcf / space dev as admin..." "bind-service says what it does"
expect_contains "$out" "TIP: Use 'microcf restart static' to ensure your env variable changes take effect" "bind-service's tip"
BINDING=$(api GET "/v3/service_credential_bindings?app_guids=$APP&service_instance_guids=$SMALL" | json_of 'd["resources"][0]["guid"]')
broker_log '
iid, bid, app = args[1], args[2], args[3]
r = [r for r in log if r["method"] == "PUT" and r["path"] == "/v2/service_instances/%s/service_bindings/%s" % (iid, bid)]
assert len(r) == 1, r
b = r[0]["body"]
assert b["service_id"] == "overview-service-id" and b["plan_id"] == "plan-small", b
assert b["bind_resource"]["app_guid"] == app, b
assert r[0]["query"].get("accepts_incomplete") == "true", r[0]["query"]
' "bind request" "$SMALL" "$BINDING" "$APP"
out=$(mcf restart static 2>&1) || { echo "$out"; fail "restart static"; }
wait_for_body static "Hello from microcf static"
api GET "/v3/apps/$APP/env" > "$E2E_TMP/env.json"
python3 - "$E2E_TMP/env.json" "$SMALL" "$BINDING" <<'PY' || fail "VCAP_SERVICES: $(cat "$E2E_TMP/env.json")"
import json, sys
env = json.load(open(sys.argv[1]))
iid, bid = sys.argv[2], sys.argv[3]
vcap = env["system_env_json"]["VCAP_SERVICES"]
assert list(vcap) == ["overview-service"], list(vcap)
[e] = vcap["overview-service"]
assert e["label"] == "overview-service" and e["plan"] == "small", e
assert e["name"] == "primary" and e["binding_name"] == "primary" and e["instance_name"] == "db-small", e
assert e["instance_guid"] == iid and e["binding_guid"] == bid, e
assert e["tags"] == ["test", "mine", "other"], e["tags"]
assert e["credentials"] == {"uri": "test://user-%s@host/db" % bid, "username": "user-" + bid,
                            "password": "pw-" + bid[:8]}, e["credentials"]
assert e["syslog_drain_url"] is None and e["volume_mounts"] == [], e
PY
out=$(mcf env static 2>&1) || fail "env static: $out"
expect_contains "$out" "\"overview-service\"" "microcf env shows VCAP_SERVICES with the offering's label"
expect_contains "$out" "user-$BINDING" "microcf env shows the broker's credentials"
# What the app's processes get: a task prints its VCAP_SERVICES.
out=$(mcf run-task static --command 'echo "VCAP=$VCAP_SERVICES"' --name env -w 2>&1) || fail "run-task: $out"
for _ in $(seq 1 50); do
  logs=$(mcf logs static --recent)
  case "$logs" in *"VCAP={"*) break ;; esac
  sleep 0.1
done
vcap=$(printf '%s\n' "$logs" | grep -o 'VCAP={.*' | head -1 | cut -d= -f2-)
python3 - "$vcap" "$BINDING" <<'PY' || fail "VCAP_SERVICES in the container: $vcap"
import json, sys
e = json.loads(sys.argv[1])["overview-service"][0]
assert e["binding_guid"] == sys.argv[2] and e["plan"] == "small", e
assert e["credentials"]["username"] == "user-" + sys.argv[2], e
PY
echo "ok: bind-service, VCAP_SERVICES"

# --- Service keys ---------------------------------------------------------------------------
out=$(mcf create-service-key db-small k1 2>&1) || fail "create-service-key: $out"
expect_contains "$out" "OK" "create-service-key succeeds"
KEY=$(mcf service-key db-small k1 --guid) || fail "service-key --guid"
out=$(mcf service-key db-small k1 2>&1) || fail "service-key: $out"
expect_contains "$out" "user-$KEY" "service-key shows the key's credentials"
out=$(mcf service-keys db-small 2>&1) || fail "service-keys: $out"
expect_contains "$out" "k1" "service-keys lists k1"
broker_log '
iid, bid = args[1], args[2]
r = [r for r in log if r["method"] == "PUT" and r["path"] == "/v2/service_instances/%s/service_bindings/%s" % (iid, bid)]
assert len(r) == 1, r
assert "app_guid" not in (r[0]["body"].get("bind_resource") or {}), r[0]["body"]
' "service key request" "$SMALL" "$KEY"
echo "ok: create-service-key"

# --- Unbind, delete key, delete instances, deregister -----------------------------------------
out=$(mcf unbind-service static db-small 2>&1) || fail "unbind-service: $out"
expect_contains "$out" "OK" "unbind-service succeeds"
out=$(mcf delete-service-key db-small k1 -f 2>&1) || fail "delete-service-key: $out"
expect_contains "$out" "OK" "delete-service-key succeeds"
broker_log '
iid, bid, key = args[1], args[2], args[3]
for b in (bid, key):
    d = [r for r in log if r["method"] == "DELETE" and r["path"] == "/v2/service_instances/%s/service_bindings/%s" % (iid, b)]
    assert len(d) == 1, (b, d)
    q = d[0]["query"]
    assert q["service_id"] == "overview-service-id" and q["plan_id"] == "plan-small", q
    assert q.get("accepts_incomplete") == "true", q
' "unbind requests" "$SMALL" "$BINDING" "$KEY"
curl -s "$BROKER/_state" | json_of 'len(d["bindings"])' | grep -qx 0 || fail "the broker still has bindings: $(curl -s "$BROKER/_state")"

out=$(mcf delete-service db-small -f 2>&1) || fail "delete-service db-small: $out"
expect_contains "$out" "OK" "delete-service (sync) succeeds"
# The async instance is deleted asynchronously: 202, polled until the broker answers 410 Gone.
control '{"async_deprovision": true, "async_polls": 3}'
out=$(mcf delete-service db-async -f --wait 2>&1) || fail "delete-service db-async: $out"
expect_contains "$out" "OK" "delete-service --wait (async) ends OK"
for _ in $(seq 1 100); do
  out=$(mcf services 2>&1)
  case "$out" in *db-async*) sleep 0.2 ;; *) break ;; esac
done
case "$out" in *db-small*|*db-async*) fail "deleted instances are still listed: $out" ;; esac
broker_log '
small, async_ = args[1], args[2]
d = [r for r in log if r["method"] == "DELETE" and r["path"] == "/v2/service_instances/" + small]
assert len(d) == 1 and d[0]["query"] == {"service_id": "overview-service-id", "plan_id": "plan-small",
                                         "accepts_incomplete": "true"}, d
d = [r for r in log if r["method"] == "DELETE" and r["path"] == "/v2/service_instances/" + async_]
assert len(d) == 1, d
polls = [r for r in log if r["path"] == "/v2/service_instances/" + async_ + "/last_operation"
         and r["query"].get("operation") == "deprovision-" + async_[:8]]
assert len(polls) == 3, "%d deprovision polls, the broker answers 410 at the 3rd" % len(polls)
' "deprovision requests" "$SMALL" "$ASYNC"
curl -s "$BROKER/_state" | json_of 'len(d["instances"])' | grep -qx 0 || fail "the broker still has instances: $(curl -s "$BROKER/_state")"
echo "ok: unbind-service, delete-service-key, delete-service"

out=$(mcf delete-service-broker test-broker -f 2>&1) || fail "delete-service-broker: $out"
expect_contains "$out" "OK" "delete-service-broker succeeds"
out=$(mcf service-brokers 2>&1) || fail "service-brokers: $out"
case "$out" in *test-broker*) fail "the deleted broker is still listed: $out" ;; esac
out=$(mcf marketplace 2>&1) || fail "marketplace: $out"
case "$out" in *overview-service*) fail "the deleted broker's offering is still in the marketplace: $out" ;; esac
echo "ok: delete-service-broker"

stop_platform
echo "PASS services_broker"
