# Tenancy as two teams see it: alice and bob push into spaces of their own; neither can see,
# scale, read the logs or env of, or delete the other's app (404, as if it did not exist). An
# auditor of alice's space reads her app but cannot push, read env or delete (403). A space
# quota refuses the push that would exceed it, and the space's other app keeps answering.
source "$(dirname "$0")/lib.sh"
start_platform
API="http://api.localhost:$PORT"

for u in alice bob carol; do mcf create-user "$u" "pw-$u" >/dev/null || fail "create-user $u"; done
mcf create-space team-a -o microcf >/dev/null || fail "create-space team-a"
mcf create-space team-b -o microcf >/dev/null || fail "create-space team-b"
mcf set-space-role alice microcf team-a SpaceDeveloper >/dev/null || fail "alice: SpaceDeveloper"
mcf set-space-role bob microcf team-b SpaceDeveloper >/dev/null || fail "bob: SpaceDeveloper"
mcf set-space-role carol microcf team-a SpaceAuditor >/dev/null || fail "carol: SpaceAuditor"

# as USER CMD...: the CLI in USER's own home, logged in as USER.
as() { local u=$1; shift; MICROCF_HOME="$E2E_TMP/as-$u" "$MICROCF" "$@"; }
for u in alice bob carol; do
  space=team-a; [ "$u" = bob ] && space=team-b
  out=$(as "$u" login -a "$API" -u "$u" -p "pw-$u" -o microcf -s "$space" 2>&1) || fail "login as $u: $out"
done
# call USER METHOD PATH: the HTTP status of an API call with USER's token.
call() {
  curl -s -o "$E2E_TMP/body" -w '%{http_code}' -X "$2" -H "Authorization: $(as "$1" oauth-token)" \
    -H 'Content-Type: application/json' ${4:+-d "$4"} "$API$3"
}
# push_as USER NAME MEM: pushes examples/static as NAME (from a folder with no manifest).
push_as() { (cd "$E2E_TMP" && as "$1" push "$2" -p "$EXAMPLES/static" -m "$3" 2>&1); }
guid_of() { api GET "/v3/apps?names=$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["resources"][0]["guid"])'; }

out=$(push_as alice alice-app 64M) || { echo "$out"; fail "alice pushes"; }
out=$(push_as bob bob-app 64M) || { echo "$out"; fail "bob pushes"; }
wait_for_body alice-app "Hello from microcf static"
wait_for_body bob-app "Hello from microcf static"
A=$(guid_of alice-app)
B=$(guid_of bob-app)

# Each sees only their own app.
expect_contains "$(as alice apps 2>&1)" "alice-app" "alice lists her app"
case "$(call alice GET /v3/apps; cat "$E2E_TMP/body")" in *bob-app*) fail "alice's app list shows bob's app" ;; esac
for req in "GET /v3/apps/$B" "GET /v3/apps/$B/env" "GET /v3/processes/$B/stats" \
           "GET /api/v1/read/$B" "DELETE /v3/apps/$B" "POST /v3/apps/$B/actions/stop"; do
  code=$(call alice ${req% *} ${req#* })
  [ "$code" = 404 ] || { cat "$E2E_TMP/body"; fail "alice: $req answered $code, not 404"; }
done
code=$(call alice POST "/v3/processes/$B/actions/scale" '{"instances":2}')
[ "$code" = 404 ] || fail "alice scaling bob's app answered $code, not 404"
out=$(as alice app bob-app 2>&1) && fail "alice's 'app bob-app' succeeded"
expect_contains "$out" "App 'bob-app' not found" "the CLI says bob's app is not there for alice"
out=$(as alice delete bob-app -f 2>&1) || true
wait_for_body bob-app "Hello from microcf static" 5
code=$(call bob GET "/v3/apps/$A")
[ "$code" = 404 ] || fail "bob sees alice's app: $code"

# The auditor reads alice's space but changes nothing and sees no env.
expect_contains "$(as carol apps 2>&1)" "alice-app" "the auditor lists the space's apps"
code=$(call carol GET "/v3/apps/$A"); [ "$code" = 200 ] || fail "the auditor reads the app: $code"
code=$(call carol GET "/v3/apps/$A/env"); [ "$code" = 403 ] || fail "the auditor reads env: $code"
expect_contains "$(cat "$E2E_TMP/body")" "CF-NotAuthorized" "the auditor's env refusal is CF-NotAuthorized"
code=$(call carol DELETE "/v3/apps/$A"); [ "$code" = 403 ] || fail "the auditor deletes: $code"
out=$(push_as carol carol-app 64M) && { echo "$out"; fail "the auditor pushed"; }
expect_contains "$out" "not authorized" "the auditor's push is refused"
wait_for_body alice-app "Hello from microcf static" 5

# A space quota refuses the push that would exceed it; bob's first app keeps answering.
mcf create-space-quota small -m 128M >/dev/null || fail "create-space-quota"
mcf set-space-quota team-b small >/dev/null || fail "set-space-quota"
out=$(push_as bob bob-big 128M) && { echo "$out"; fail "a push over the space quota succeeded"; }
expect_contains "$out" "memory space_quota_exceeded" "the quota refusal uses Cloud Foundry's words"
wait_for_body bob-app "Hello from microcf static" 5
out=$(push_as bob bob-small 32M) || { echo "$out"; fail "a push within the quota"; }
wait_for_body bob-small "Hello from microcf static"

stop_platform
echo "PASS tenancy"
