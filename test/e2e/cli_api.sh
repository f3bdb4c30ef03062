# The CLI's everyday commands and the raw API: env, set-env, stop/start/restart, curl, delete.
source "$(dirname "$0")/lib.sh"
start_platform

out=$(mcf target)
expect_contains "$out" "api.localhost:$PORT" "target shows the API"
expect_contains "$out" "microcf" "target shows the org"
expect_contains "$out" "dev" "target shows the space"

info=$(curl -s "http://localhost:$PORT/")
expect_contains "$info" "cloud_controller_v3" "GET / on the bare domain reaches the API"

(cd "$EXAMPLES/node" && mcf push >/dev/null) || fail "push node"
mcf set-env node GREETING hola >/dev/null || fail "set-env"
env_out=$(mcf env node)
expect_contains "$env_out" "GREETING: hola" "env shows the user variable"
expect_contains "$env_out" "VCAP_APPLICATION" "env shows VCAP_APPLICATION"

mcf stop node >/dev/null || fail "stop"
for _ in $(seq 1 100); do
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$(app_url node)")
  [ "$code" != 200 ] && break
  sleep 0.1
done
[ "$code" != 200 ] || fail "a stopped app still answers"
mcf start node >/dev/null || fail "start"
wait_for_body node "Hello from microcf node"
mcf restart node >/dev/null || fail "restart"
wait_for_body node "Hello from microcf node"

# restage: a new droplet from the same package, and the app restarted on it.
app_guid=$(mcf curl "/v3/apps?names=node" | python3 -c 'import json,sys; print(json.load(sys.stdin)["resources"][0]["guid"])')
droplet_of() { mcf curl "/v3/apps/$app_guid/droplets/current" | python3 -c 'import json,sys; print(json.load(sys.stdin)["guid"])'; }
before=$(droplet_of)
out=$(mcf restage node 2>&1) || fail "restage: $out"
expect_contains "$out" "Restaging app node" "restage says what it does"
expect_contains "$out" "This action will cause app downtime." "restage warns of downtime"
expect_contains "$out" "Staging app and tracing logs..." "restage stages"
expect_contains "$out" "nodejs" "restage shows the buildpack's output"
after=$(droplet_of)
[ -n "$after" ] && [ "$after" != "$before" ] || fail "restage kept droplet $before"
wait_for_body node "Hello from microcf node"
out=$(mcf restage no-such-app 2>&1) && fail "restage of an unknown app succeeded"
expect_contains "$out" "App 'no-such-app' not found" "restage names the unknown app"

json=$(mcf curl /v3/apps?names=node)
expect_contains "$json" '"total_results": 1' "curl with a names filter"
expect_contains "$(mcf oauth-token)" "bearer " "oauth-token"

# clear_buildpack_cache removes the app's build cache from the data dir; so does deleting the app.
guid=$(printf '%s' "$json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["resources"][0]["guid"])')
cache="$MICROCF_HOME/caches/$guid"
[ -d "$cache" ] || fail "staging left no build cache at $cache"
# One cache per stack, saved whole by the successful staging.
[ "$(ls "$cache")" = "$(mcf curl "/v3/apps/$guid" | python3 -c 'import json,sys; print(json.load(sys.stdin)["lifecycle"]["data"]["stack"])').cache" ] ||
  fail "the build cache of the app is not one folder named after its stack: $(ls "$cache")"
out=$(mcf curl -X POST "/v3/apps/$guid/actions/clear_buildpack_cache" 2>&1) || fail "clear_buildpack_cache: $out"
[ ! -e "$cache" ] || fail "clear_buildpack_cache left the build cache at $cache"
# (restage: a push of the same files would reuse the droplet and not stage)
mcf restage node >/dev/null || fail "restage node"
[ -d "$cache" ] || fail "staging again left no build cache at $cache"

mcf delete node -f >/dev/null || fail "delete"
[ ! -e "$cache" ] || fail "deleting the app left its build cache at $cache"
out=$(mcf app node 2>&1) && fail "deleted app still exists"
for _ in $(seq 1 50); do
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$(app_url node)")
  [ "$code" = 404 ] && break
  sleep 0.1
done
[ "$code" = 404 ] || fail "deleted app's route answers $code, want 404"
echo "ok: cli and api"
