# Rolling deployments of a 1-instance app under a load loop: zero failed requests while v1
# becomes v2; a new version that never gets healthy is rolled back while v2 serves on;
# rollback to v1 without staging; kill -9 of microcf in the middle of a deployment, after
# which the deployment resumes and the app serves.
source "$(dirname "$0")/lib.sh"
start_platform --ssh-port 0

# app_dir VERSION [MANIFEST_LINE [PROFILE_LINE]]: a copy of crashy whose droplet answers
# VERSION (the app's .profile is part of the droplet, unlike env vars and the command).
app_dir() {
  local dir="$E2E_TMP/crashy-$1"
  mkdir -p "$dir"
  cp "$MICROCF_SOURCE/test/e2e/apps/crashy/server.py" "$MICROCF_SOURCE/test/e2e/apps/crashy/manifest.yml" "$dir/"
  [ -n "${2:-}" ] && echo "  $2" >> "$dir/manifest.yml"
  printf 'export CRASHY_VERSION=%s\n%s\n' "$1" "${3:-}" > "$dir/.profile"
  echo "$dir"
}
v1=$(app_dir v1)
v2=$(app_dir v2)
bad=$(app_dir v3 "timeout: 5" "export CRASHY_NO_LISTEN=1")

(cd "$v1" && mcf push >/dev/null) || fail "push v1"
wait_for_body crashy "crashy v1"

# 1. A rolling push of v2 under load.
start_load
out=$(cd "$v2" && mcf push --strategy rolling 2>&1) || { echo "$out"; fail "rolling push of v2"; }
expect_contains "$out" "Starting deployment for app crashy..." "rolling push output"
expect_contains "$out" "Waiting for app to deploy..." "rolling push output"
wait_for_body crashy "crashy v2" 5
sleep 0.5
stop_load "v1 v2" "the rolling push of v2"
deployments=$(mcf curl "/v3/deployments?order_by=-created_at")
expect_contains "$deployments" '"reason": "DEPLOYED"' "GET /v3/deployments after the rolling push"

# 2. A new version that never gets healthy: rolled back, v2 serves throughout.
start_load
out=$(cd "$bad" && mcf push --strategy rolling 2>&1) && { echo "$out"; fail "a push whose app never listens succeeded"; }
expect_contains "$out" "Deployment failed and was rolled back" "failed rolling push"
expect_contains "$out" "Instance never healthy after 5s" "failed rolling push"
expect_contains "$out" "keeps running its previous droplet" "failed rolling push"
sleep 0.5
stop_load "v2" "the failed rolling push of v3"
last=$(mcf curl "/v3/deployments?order_by=-created_at&per_page=1")
expect_contains "$last" '"reason": "CANCELED"' "the failed deployment"
expect_contains "$last" '"value": "FINALIZED"' "the failed deployment"

# 3. Rollback: to the droplet before the current one (v1), no staging, under load.
start_load
out=$(mcf rollback crashy 2>&1) || { echo "$out"; fail "rollback"; }
case "$out" in *"Staging"*) echo "$out"; fail "rollback staged the app" ;; esac
wait_for_body crashy "crashy v1" 5
sleep 0.5
stop_load "v2 v1" "the rollback to v1"

# 4. kill -9 in the middle of a rolling restart whose new instance takes 3 s to listen.
mcf set-env crashy CRASHY_START_DELAY 3 >/dev/null || fail "set-env"
mcf restart crashy --strategy rolling > "$E2E_TMP/restart.out" 2>&1 &
RESTART_PID=$!
active=""
for _ in $(seq 1 100); do
  active=$(mcf curl "/v3/deployments?status_values=ACTIVE" | python3 -c 'import json,sys; r=json.load(sys.stdin)["resources"]; print(r[0]["guid"] if r else "")')
  [ -n "$active" ] && break
  sleep 0.1
done
[ -n "$active" ] || { cat "$E2E_TMP/restart.out"; fail "no active deployment after restart --strategy rolling"; }
kill9_platform
wait "$RESTART_PID" 2>/dev/null && fail "restart --strategy rolling succeeded although microcf was killed"
start_platform --ssh-port 0
wait_for_body crashy "crashy v1" 30
state=""
for _ in $(seq 1 100); do
  state=$(mcf curl "/v3/deployments/$active" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["status"]["value"], d["status"]["reason"])')
  [ "$state" = "FINALIZED DEPLOYED" ] && break
  sleep 0.2
done
[ "$state" = "FINALIZED DEPLOYED" ] || fail "the deployment interrupted by kill -9 is '$state', expected it resumed to 'FINALIZED DEPLOYED'"
app=$(mcf app crashy)
expect_contains "$app" "running" "microcf app after the resumed deployment"
echo "ok: zero failed requests through a rolling push and a rollback, a broken version rolled back, a deployment resumed after kill -9"
