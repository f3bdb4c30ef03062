# A crashing instance comes back and serves again; the crash shows in `microcf events`, in
# `microcf app` and in the logs as Cloud Foundry writes it.
source "$(dirname "$0")/lib.sh"
CRASHY="$MICROCF_SOURCE/test/e2e/apps/crashy"
start_platform --ssh-port 0

out=$(cd "$CRASHY" && mcf push 2>&1) || { echo "$out"; fail "push crashy"; }
wait_for_body crashy "crashy v1 instance 0"
first=$(api GET "/v3/apps/$(api GET '/v3/apps?names=crashy' | python3 -c 'import json,sys; print(json.load(sys.stdin)["resources"][0]["guid"])')/processes/web/stats" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["resources"][0]["instance_guid"])')

answer=$(curl -s --max-time 5 "$(app_url crashy /crash)") || true
expect_contains "$answer" "crashing" "GET /crash"

# The event is written when the crash is noticed; the instance then starts again at once.
events=""
for _ in $(seq 1 100); do
  events=$(mcf events crashy 2>&1) || true
  case "$events" in *app.crash*) break ;; esac
  sleep 0.1
done
expect_contains "$events" "Getting events for app crashy in org" "events header"
expect_contains "$events" "time" "events table header"
expect_contains "$events" "app.crash" "microcf events"
expect_contains "$events" "audit.app.process.crash" "microcf events"
expect_contains "$events" "index: 0, reason: CRASHED, cell_id: microcf-0, instance: $first" "crash description"
expect_contains "$events" "exit_description: APP/PROC/WEB: Exited with status 1" "crash exit status"
expect_contains "$events" "audit.app.create" "push's own events"

wait_for_body crashy "crashy v1 instance 0" 30
second=$(api GET "/v3/processes/$(api GET '/v3/apps?names=crashy' | python3 -c 'import json,sys; print(json.load(sys.stdin)["resources"][0]["guid"])')/stats" |
  python3 -c 'import json,sys; r=json.load(sys.stdin)["resources"][0]; print(r["instance_guid"], r["state"], r["crash_count"])')
[ "${second%% *}" != "$first" ] || fail "the crashed instance was replaced by a new one (same guid $first)"
expect_contains "$second" "RUNNING 1" "the new instance runs with crash count 1"

logs=$(mcf logs crashy --recent 2>&1)
expect_contains "$logs" "[APP/PROC/WEB/0] OUT instance 0 crashes on request" "the app's last line"
expect_contains "$logs" "[APP/PROC/WEB/0] OUT Exit status 1" "exit status line"
expect_contains "$logs" "[API/0] OUT Process has crashed with type: \"web\"" "API crash line"
expect_contains "$logs" "[API/0] OUT App instance exited with guid" "API crash payload"
expect_contains "$logs" "\"reason\":\"CRASHED\"" "crash payload reason"
expect_contains "$logs" "[CELL/0] OUT Cell microcf-0 stopping instance $first" "CELL stop line"
expect_contains "$logs" "[CELL/0] OUT Cell microcf-0 successfully destroyed container for instance $first" "CELL destroy line"

app=$(mcf app crashy 2>&1)
expect_contains "$app" "#0   running" "microcf app after the crash"
echo "ok: crash reported (events, logs) and the instance serves again"
