# Service brokers that misbehave, and users who do: a broker that is down, closes connections,
# refuses the credentials or serves an invalid or malformed catalog is not registered and the
# error says why; an unknown plan is refused; a provision that times out, answers 500 or
# answers 201 with a body that is not JSON ends "create failed" and microcf sends the
# orphan-mitigation DELETE; binding twice and deleting a bound instance are refused without
# asking the broker; the other answers of the OSB table (200, 409, 422, 410, 500 on bind,
# unbind and deprovision) mean what the contract says; Retry-After spaces the polls; a
# microcf killed during an async provision picks the operation up again after restart. Runs
# against the OSB test broker (osb_broker.py) with a 2 s broker timeout and 200 ms polling.
source "$(dirname "$0")/lib.sh"
# The broker runs from the test's temporary folder: lib.sh's cleanup ends it with the rest.
BROKER_PY="$E2E_TMP/osb_broker.py"
cp "$MICROCF_SOURCE/test/e2e/osb_broker.py" "$BROKER_PY"
# die MESSAGE: fail from inside $(...), where stdout is captured.
die() { fail "$@" >&2; }

export MICROCF_BROKER_TIMEOUT_MS=2000 MICROCF_BROKER_POLL_MS=200
start_platform
API="http://api.localhost:$PORT"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
BROKER_PORT=$(free_port)
BROKER="http://127.0.0.1:$BROKER_PORT"
python3 "$BROKER_PY" --port "$BROKER_PORT" --user u --password p > "$E2E_TMP/broker.log" 2>&1 &
disown  # lib.sh's cleanup ends it; no "Killed" line then
for _ in $(seq 1 100); do curl -sf "$BROKER/_requests" >/dev/null && break; sleep 0.1; done
curl -sf "$BROKER/_requests" >/dev/null || fail "the test broker did not start: $(cat "$E2E_TMP/broker.log")"
control() { curl -sf -X POST -d "$1" "$BROKER/_control" >/dev/null || fail "broker control $1"; }

# call METHOD PATH [BODY]: an API call as admin; prints the status, keeps the body in
# $E2E_TMP/body and the headers in $E2E_TMP/headers.
call() {
  curl -s -o "$E2E_TMP/body" -D "$E2E_TMP/headers" -w '%{http_code}' -X "$1" \
    -H "Authorization: $(mcf oauth-token)" -H 'Content-Type: application/json' ${3:+-d "$3"} "$API$2"
}
body() { cat "$E2E_TMP/body"; }
json_of() { python3 -c 'import json, sys; d = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
# job_of: the job path of the last call's Location header.
job_of() { tr -d '\r' < "$E2E_TMP/headers" | sed -n 's|^[Ll]ocation: \(https\?://[^/]*\)\?\(/v3/jobs/.*\)$|\2|p'; }
# wait_job JOB [SECONDS]: until the job is COMPLETE or FAILED; prints the state, keeps the
# job's JSON in $E2E_TMP/job.
wait_job() {
  local state=""
  for _ in $(seq 1 $((${2:-20} * 10))); do
    api GET "$1" > "$E2E_TMP/job"
    state=$(json_of 'd.get("state", "")' < "$E2E_TMP/job")
    case "$state" in COMPLETE|FAILED) break ;; esac
    sleep 0.1
  done
  echo "$state"
}
job_error() { json_of '" ".join(e["detail"] for e in d["errors"])' < "$E2E_TMP/job"; }
# broker_log PYTHON WHAT [ARGS...]: runs PYTHON with `log` = the broker's request log and
# `args` = [WHAT, ARGS...]; a failed assert fails the test.
broker_log() {
  curl -s "$BROKER/_requests" > "$E2E_TMP/requests.json"
  python3 - "$E2E_TMP/requests.json" "${@:2}" <<PY || fail "broker request log: $2"
import json, sys
log = json.load(open(sys.argv[1]))
args = sys.argv[2:]
$1
PY
}
# requests METHOD PATH [PREFIX]: how many such requests the broker received (with PREFIX
# set: paths beginning with PATH).
requests() {
  curl -s "$BROKER/_requests" | python3 -c '
import json, sys
m, p, prefix = sys.argv[1], sys.argv[2], len(sys.argv) > 3
print(sum(1 for r in json.load(sys.stdin) if r["method"] == m and (r["path"].startswith(p) if prefix else r["path"] == p)))' "$@"
}
# register NAME URL: POST /v3/service_brokers; prints the job's final state.
register() {
  code=$(call POST /v3/service_brokers "{\"name\":\"$1\",\"url\":\"$2\",\"authentication\":{\"type\":\"basic\",\"credentials\":{\"username\":\"u\",\"password\":\"p\"}}}")
  [ "$code" = 202 ] || die "POST /v3/service_brokers $1 answered $code: $(body)"
  wait_job "$(job_of)"
}
brokers_named() { api GET "/v3/service_brokers?names=$1" | json_of 'len(d["resources"])'; }

# --- Registration faults ----------------------------------------------------------------------
DOWN="http://127.0.0.1:$(free_port)"
state=$(register down-broker "$DOWN")
[ "$state" = FAILED ] || fail "registering a broker nobody listens for: job $state"
expect_contains "$(job_error)" "could not be reached" "the job says the broker is unreachable"
expect_contains "$(job_error)" "$DOWN" "the job names the unreachable broker's URL"
[ "$(brokers_named down-broker)" = 0 ] || fail "an unreachable broker was registered"
out=$(mcf create-service-broker down-broker u p "$DOWN" 2>&1) && fail "create-service-broker to a closed port succeeded: $out"
expect_contains "$out" "could not be reached" "the CLI says the broker is unreachable"
echo "ok: broker down at registration"

control '{"down": true}'
state=$(register mute-broker "$BROKER")
[ "$state" = FAILED ] || fail "registering a broker that closes connections: job $state"
[ -n "$(job_error)" ] || fail "the failed job has no error detail"
[ "$(brokers_named mute-broker)" = 0 ] || fail "a broker that closes connections was registered"
control '{"down": false}'
echo "ok: broker closing connections at registration ($(job_error))"

code=$(call POST /v3/service_brokers "{\"name\":\"wrong-pass\",\"url\":\"$BROKER\",\"authentication\":{\"type\":\"basic\",\"credentials\":{\"username\":\"u\",\"password\":\"wrong\"}}}")
[ "$code" = 202 ] || fail "POST /v3/service_brokers wrong-pass answered $code: $(body)"
[ "$(wait_job "$(job_of)")" = FAILED ] || fail "registering with a wrong password: $(cat "$E2E_TMP/job")"
printf '%s' "$(job_error)" | grep -qi "authentication\|401\|credentials" || fail "the job should say the broker refused the credentials: $(job_error)"
[ "$(brokers_named wrong-pass)" = 0 ] || fail "a broker that refused the credentials was registered"
echo "ok: wrong broker password ($(job_error))"

control '{"catalog": "invalid_json"}'
state=$(register bad-json "$BROKER")
[ "$state" = FAILED ] || fail "a catalog that is not JSON: job $state"
printf '%s' "$(job_error)" | grep -qi "json" || fail "the job should say the catalog is not JSON: $(job_error)"
[ "$(brokers_named bad-json)" = 0 ] || fail "a broker with an invalid catalog was registered"
echo "ok: catalog not JSON ($(job_error))"

control '{"catalog": "malformed"}'
state=$(register malformed "$BROKER")
[ "$state" = FAILED ] || fail "a catalog whose plans have no ids: job $state"
err=$(job_error)
expect_contains "$err" "overview-service" "the catalog error names the offering"
printf '%s' "$err" | grep -qiw "id" || fail "the catalog error should say the plan id is missing: $err"
[ "$(brokers_named malformed)" = 0 ] || fail "a broker with a malformed catalog was registered"
[ "$(api GET "/v3/service_offerings?names=overview-service" | json_of 'len(d["resources"])')" = 0 ] ||
  fail "offerings of a malformed catalog were stored"
echo "ok: malformed catalog ($err)"

control '{"catalog": "ok", "clear_requests": true}'
state=$(register faults "$BROKER")
[ "$state" = COMPLETE ] || fail "registering the working broker: job $state $(cat "$E2E_TMP/job")"
SPACE=$(api GET "/v3/spaces?names=dev" | json_of 'd["resources"][0]["guid"]')
plan_guid() { api GET "/v3/service_plans?names=$1&service_broker_names=faults" | json_of 'd["resources"][0]["guid"]'; }
for p in small async slow fails badjson; do
  g=$(plan_guid "$p") || fail "plan $p is not in the catalog"
  code=$(call PATCH "/v3/service_plans/$g/visibility" '{"type":"public"}')
  [ "$code" = 200 ] || fail "making plan $p public: $code $(body)"
done
# create NAME PLAN_GUID: POST /v3/service_instances; prints the status.
create() {
  call POST /v3/service_instances "{\"type\":\"managed\",\"name\":\"$1\",\"relationships\":{\"space\":{\"data\":{\"guid\":\"$SPACE\"}},\"service_plan\":{\"data\":{\"guid\":\"$2\"}}}}"
}
instance_guid() { api GET "/v3/service_instances?names=$1" | json_of 'd["resources"][0]["guid"]'; }
last_op() { api GET "/v3/service_instances/$1" | json_of 'd["last_operation"]["type"] + " " + d["last_operation"]["state"]'; }

# --- Provision faults -----------------------------------------------------------------------
code=$(create nope 5f0c4ab0-0000-4000-8000-000000000000)
[ "$code" = 422 ] || fail "an unknown plan answered $code: $(body)"
expect_contains "$(body)" "Invalid service plan. Ensure that the service plan exists, is available, and you have access to it." "an unknown plan's error"
out=$(mcf create-service overview-service no-such-plan nope 2>&1) && fail "create-service with an unknown plan succeeded: $out"
expect_contains "$out" "no-such-plan" "the CLI names the unknown plan"
[ "$(api GET "/v3/service_instances?names=nope" | json_of 'len(d["resources"])')" = 0 ] || fail "an instance with an unknown plan exists"
broker_log 'assert not [r for r in log if r["method"] == "PUT"], "a provision reached the broker"' "unknown plan"
echo "ok: unknown plan (422)"

# orphan_mitigated NAME PLAN WHAT: the provision fails, the instance is "create failed" and
# the broker got the DELETE for it.
orphan_mitigated() {
  local code state guid
  code=$(create "$1" "$(plan_guid "$2")")
  [ "$code" = 202 ] || fail "$3: POST /v3/service_instances answered $code: $(body)"
  local job; job=$(job_of)
  state=$(wait_job "$job" 30)
  [ "$state" = FAILED ] || fail "$3: the job is $state"
  guid=$(instance_guid "$1")
  [ "$(last_op "$guid")" = "create failed" ] || fail "$3: last_operation is $(last_op "$guid")"
  api GET "/v3/service_instances/$guid" | json_of 'd["last_operation"]["description"]' | grep -q . ||
    fail "$3: the failed create has no description"
  for _ in $(seq 1 100); do
    [ "$(requests DELETE "/v2/service_instances/$guid")" -ge 1 ] && break
    sleep 0.1
  done
  broker_log '
guid, plan = args[1], args[2]
puts = [r for r in log if r["method"] == "PUT" and r["path"] == "/v2/service_instances/" + guid]
dels = [r for r in log if r["method"] == "DELETE" and r["path"] == "/v2/service_instances/" + guid]
assert len(puts) == 1, puts
assert dels, "no orphan-mitigation DELETE"
assert log.index(dels[0]) > log.index(puts[0]), "the DELETE came before the PUT"
q = dels[0]["query"]
assert q["service_id"] == "overview-service-id" and q["plan_id"] == "plan-" + plan, q
' "$3" "$guid" "$2"
  echo "ok: $3: create failed ($(job_error)), orphan-mitigation DELETE sent"
}
control '{"slow_seconds": 6}'
orphan_mitigated slow-one slow "broker slow past the timeout"
expect_contains "$(job_error)" "did not answer within" "the timeout's error"
orphan_mitigated fails-one fails "provision answering 500"
orphan_mitigated badjson-one badjson "provision answering 201 with a body that is not JSON"
expect_contains "$(job_error)" "invalid response" "the non-JSON answer's error"
# Failed instances can be deleted (the broker has nothing, 410 is fine).
for n in slow-one fails-one badjson-one; do
  code=$(call DELETE "/v3/service_instances/$(instance_guid "$n")")
  case "$code" in 202) wait_job "$(job_of)" >/dev/null ;; 204) ;; *) fail "deleting failed instance $n: $code $(body)" ;; esac
  [ "$(api GET "/v3/service_instances?names=$n" | json_of 'len(d["resources"])')" = 0 ] || fail "failed instance $n was not deleted"
done
echo "ok: failed instances deleted"

# --- Bindings ---------------------------------------------------------------------------------
code=$(create db "$(plan_guid small)")
[ "$code" = 202 ] || fail "create db: $code $(body)"
[ "$(wait_job "$(job_of)")" = COMPLETE ] || fail "create db: $(cat "$E2E_TMP/job")"
DB=$(instance_guid db)
code=$(call POST /v3/apps "{\"name\":\"holder\",\"relationships\":{\"space\":{\"data\":{\"guid\":\"$SPACE\"}}}}")
[ "$code" = 201 ] || fail "create app holder: $code $(body)"
APP=$(body | json_of 'd["guid"]')
bind='{"type":"app","relationships":{"service_instance":{"data":{"guid":"'$DB'"}},"app":{"data":{"guid":"'$APP'"}}}}'
code=$(call POST /v3/service_credential_bindings "$bind")
[ "$code" = 202 ] || fail "binding holder to db: $code $(body)"
[ "$(wait_job "$(job_of)")" = COMPLETE ] || fail "binding holder to db: $(cat "$E2E_TMP/job")"
code=$(call POST /v3/service_credential_bindings "$bind")
[ "$code" = 422 ] || fail "binding twice answered $code: $(body)"
expect_contains "$(body)" "The app is already bound to the service instance." "binding twice"
broker_log '
puts = [r for r in log if r["method"] == "PUT" and "/service_bindings/" in r["path"]]
assert len(puts) == 1, "%d binds reached the broker" % len(puts)
' "bind twice"
echo "ok: binding twice (422)"

code=$(call DELETE "/v3/service_instances/$DB")
[ "$code" = 422 ] || fail "deleting a bound instance answered $code: $(body)"
expect_contains "$(body)" "holder" "the refusal names the bound app"
out=$(mcf delete-service db -f 2>&1) && fail "delete-service of a bound instance succeeded: $out"
expect_contains "$out" "holder" "the CLI's refusal names the bound app"
broker_log '
guid = args[1]
assert not [r for r in log if r["method"] == "DELETE" and r["path"].startswith("/v2/service_instances/" + guid)], \
    "a DELETE reached the broker"
' "delete bound instance" "$DB"
[ "$(last_op "$DB")" = "create succeeded" ] || fail "the refused delete changed db: $(last_op "$DB")"
echo "ok: deleting a bound instance (422, names the app, broker not asked)"

# --- The other answers of the contract's table, one canned answer at a time ---------------------
# answer METHOD PATH STATUS [BODY]: the broker gives this answer to the next such request.
answer() {
  local b=${4:-'{}'}
  control "{\"answers\": [{\"method\": \"$1\", \"path\": \"$2\", \"status\": $3, \"body\": $b}]}"
}
# create_job NAME PLAN: POST /v3/service_instances and wait; prints the job's final state.
create_job() {
  local code; code=$(create "$1" "$(plan_guid "$2")")
  [ "$code" = 202 ] || die "create $1: $code $(body)"
  wait_job "$(job_of)" 30
}
# bind_job INSTANCE_GUID: binds holder to it and waits; prints the job's final state.
bind_job() {
  local code
  code=$(call POST /v3/service_credential_bindings '{"type":"app","relationships":{"service_instance":{"data":{"guid":"'$1'"}},"app":{"data":{"guid":"'$APP'"}}}}')
  [ "$code" = 202 ] || die "binding to $1: $code $(body)"
  wait_job "$(job_of)" 30
}
# delete_job GUID: DELETE /v3/service_instances/GUID and wait; prints the job's final state.
delete_job() {
  local code; code=$(call DELETE "/v3/service_instances/$1")
  [ "$code" = 202 ] || die "delete $1: $code $(body)"
  wait_job "$(job_of)" 30
}

answer PUT /v2/service_instances/ 200
[ "$(create_job ok200 small)" = COMPLETE ] || fail "provision answered 200 (already exists): $(cat "$E2E_TMP/job")"
[ "$(last_op "$(instance_guid ok200)")" = "create succeeded" ] || fail "provision 200: $(last_op "$(instance_guid ok200)")"
echo "ok: provision 200 is success"
answer PUT /v2/service_instances/ 409 '{"error":"Conflict","description":"exists with other attributes"}'
[ "$(create_job conflict small)" = FAILED ] || fail "provision answered 409: $(cat "$E2E_TMP/job")"
G409=$(instance_guid conflict)
[ "$(last_op "$G409")" = "create failed" ] || fail "provision 409: $(last_op "$G409")"
answer PUT /v2/service_instances/ 422 '{"error":"ConcurrencyError","description":"another operation is in progress"}'
[ "$(create_job busy small)" = FAILED ] || fail "provision answered 422 ConcurrencyError: $(cat "$E2E_TMP/job")"
expect_contains "$(job_error)" "another operation is in progress" "the 422's description reaches the job"
G422=$(instance_guid busy)
sleep 1  # an orphan-mitigation DELETE would come by now
[ "$(requests DELETE "/v2/service_instances/$G409")" = 0 ] || fail "provision 409 was orphan-mitigated"
[ "$(requests DELETE "/v2/service_instances/$G422")" = 0 ] || fail "provision 422 ConcurrencyError was orphan-mitigated"
echo "ok: provision 409 and 422 fail without orphan mitigation"

[ "$(create_job codes small)" = COMPLETE ] || fail "create codes: $(cat "$E2E_TMP/job")"
CODES=$(instance_guid codes)
answer PUT /service_bindings/ 500 '{"description":"bind broke"}'
[ "$(bind_job "$CODES")" = FAILED ] || fail "bind answered 500: $(cat "$E2E_TMP/job")"
for _ in $(seq 1 50); do [ "$(requests DELETE "/v2/service_instances/$CODES/service_bindings/" 1)" -ge 1 ] && break; sleep 0.1; done
broker_log '
iid = args[1]
puts = [r for r in log if r["method"] == "PUT" and r["path"].startswith("/v2/service_instances/%s/service_bindings/" % iid)]
dels = [r for r in log if r["method"] == "DELETE" and r["path"].startswith("/v2/service_instances/%s/service_bindings/" % iid)]
assert len(puts) == 1 and dels, "bind 500: %d binds, %d unbinds" % (len(puts), len(dels))
assert dels[0]["path"] == puts[0]["path"], (puts[0]["path"], dels[0]["path"])
' "bind 500 is orphan-mitigated" "$CODES"
echo "ok: bind 500 fails, orphan-mitigation unbind sent"

[ "$(create_job codes2 small)" = COMPLETE ] || fail "create codes2: $(cat "$E2E_TMP/job")"
CODES2=$(instance_guid codes2)
answer PUT /service_bindings/ 201 '"not JSON"'
[ "$(bind_job "$CODES2")" = FAILED ] || fail "bind answered 201 with a body that is not JSON: $(cat "$E2E_TMP/job")"
for _ in $(seq 1 50); do [ "$(requests DELETE "/v2/service_instances/$CODES2/service_bindings/" 1)" -ge 1 ] && break; sleep 0.1; done
[ "$(requests DELETE "/v2/service_instances/$CODES2/service_bindings/" 1)" -ge 1 ] || fail "bind 201 with a body that is not JSON was not orphan-mitigated"
echo "ok: bind 201 not JSON fails, orphan-mitigation unbind sent"

[ "$(create_job codes3 small)" = COMPLETE ] || fail "create codes3: $(cat "$E2E_TMP/job")"
CODES3=$(instance_guid codes3)
[ "$(bind_job "$CODES3")" = COMPLETE ] || fail "bind to codes3: $(cat "$E2E_TMP/job")"
B3=$(api GET "/v3/service_credential_bindings?service_instance_guids=$CODES3" | json_of 'd["resources"][0]["guid"]')
answer DELETE /service_bindings/ 410
code=$(call DELETE "/v3/service_credential_bindings/$B3")
[ "$code" = 202 ] || fail "unbind codes3: $code $(body)"
[ "$(wait_job "$(job_of)")" = COMPLETE ] || fail "unbind answered 410 (gone): $(cat "$E2E_TMP/job")"
[ "$(api GET "/v3/service_credential_bindings?service_instance_guids=$CODES3" | json_of 'len(d["resources"])')" = 0 ] ||
  fail "the binding is still there after the broker answered 410"
echo "ok: unbind 410 is success"
answer DELETE /v2/service_instances/ 410
[ "$(delete_job "$CODES3")" = COMPLETE ] || fail "deprovision answered 410 (gone): $(cat "$E2E_TMP/job")"
[ "$(api GET "/v3/service_instances?names=codes3" | json_of 'len(d["resources"])')" = 0 ] || fail "codes3 is still there after 410"
echo "ok: deprovision 410 is success"
OK200=$(instance_guid ok200)
answer DELETE /v2/service_instances/ 500 '{"description":"deprovision broke"}'
[ "$(delete_job "$OK200")" = FAILED ] || fail "deprovision answered 500: $(cat "$E2E_TMP/job")"
[ "$(last_op "$OK200")" = "delete failed" ] || fail "deprovision 500: $(last_op "$OK200")"
echo "ok: deprovision 500 fails, the instance stays (delete failed)"
# --- Retry-After: a broker asking for 1 s between polls gets them no faster -------------------
control '{"retry_after": 1, "async_polls": 3}'
[ "$(create_job patient async)" = COMPLETE ] || fail "create patient: $(cat "$E2E_TMP/job")"
broker_log '
guid = args[1]
t = [r["time"] for r in log if r["path"] == "/v2/service_instances/" + guid + "/last_operation"]
assert len(t) == 3, "%d polls" % len(t)
gaps = [b - a for a, b in zip(t, t[1:])]
assert min(gaps) >= 0.9, "Retry-After: 1 not honoured, polls %s s apart" % ["%.2f" % g for g in gaps]
' "Retry-After" "$(instance_guid patient)"
control '{"retry_after": null}'
echo "ok: Retry-After honoured"

# --- microcf killed during an async provision -------------------------------------------------
control '{"async_polls": 1000}'
code=$(create slowly "$(plan_guid async)")
[ "$code" = 202 ] || fail "create slowly: $code $(body)"
SLOWLY=$(instance_guid slowly)
polls() { requests GET "/v2/service_instances/$SLOWLY/last_operation"; }
for _ in $(seq 1 100); do [ "$(polls)" -ge 2 ] && break; sleep 0.1; done
[ "$(polls)" -ge 2 ] || fail "the async provision was not polled"
[ "$(last_op "$SLOWLY")" = "create in progress" ] || fail "slowly: $(last_op "$SLOWLY")"
kill9_platform
sleep 0.5
before=$(polls)
sleep 1
[ "$(polls)" = "$before" ] || fail "polls went on after microcf was killed"
control "{\"async_polls\": $((before + 3))}"
start_platform
for _ in $(seq 1 150); do
  [ "$(last_op "$SLOWLY")" = "create succeeded" ] && break
  sleep 0.2
done
[ "$(last_op "$SLOWLY")" = "create succeeded" ] || fail "after restart, slowly is $(last_op "$SLOWLY")"
broker_log '
guid, before = args[1], int(args[2])
polls = [r for r in log if r["path"] == "/v2/service_instances/" + guid + "/last_operation"]
assert len(polls) == before + 3, "%d polls, %d before the kill" % (len(polls), before)
for r in polls:
    assert r["query"].get("operation") == "provision-" + guid[:8], r["query"]
assert not [r for r in log if r["method"] == "PUT" and r["path"] == "/v2/service_instances/" + guid][1:], \
    "the provision was sent again"
' "polling after restart" "$SLOWLY" "$before"
echo "ok: microcf killed during an async provision; polling resumed after restart, create succeeded"

stop_platform
echo "PASS services_faults"
