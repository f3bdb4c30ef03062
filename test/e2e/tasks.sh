# Tasks: run-task runs a one-off container from the app's droplet with its environment; tasks
# succeed, fail with the exit reason, are terminated, log as APP/TASK/<name>, and a task that
# was running when microcf stopped (SIGTERM) or died (kill -9) is FAILED afterwards.
source "$(dirname "$0")/lib.sh"
start_platform --ssh-port 0  # no ssh needed; another microcf may hold 2222
(cd "$MICROCF_SOURCE/test/e2e/apps/crashy" && mcf push >/dev/null) || fail "push crashy"
mcf set-env crashy GREETING hello-from-env >/dev/null || fail "set-env"

# task_field ID FIELD: a field of the app's task with that sequence id (from the API).
task_field() {
  local app_guid
  app_guid=$(api GET "/v3/apps?names=crashy" | python3 -c 'import json,sys; print(json.load(sys.stdin)["resources"][0]["guid"])')
  api GET "/v3/apps/$app_guid/tasks?sequence_ids=$1" | python3 -c "
import json, sys
t = json.load(sys.stdin)['resources'][0]
print(t['result']['failure_reason'] if '$2' == 'failure_reason' else t['$2'])"
}
# wait_task_state ID STATE [SECONDS]
wait_task_state() {
  local id=$1 want=$2 secs=${3:-30} state=""
  for _ in $(seq 1 $((secs * 10))); do
    state=$(task_field "$id" state)
    [ "$state" = "$want" ] && return 0
    sleep 0.1
  done
  fail "task $id is $state, expected $want within ${secs}s; tasks: $(mcf tasks crashy)"
}

# 1. A task that succeeds: its output (stdout and stderr) is in the app's logs as APP/TASK.
out=$(mcf run-task crashy --command 'echo "task says $GREETING port=${PORT:-none}"; echo oops >&2' --name hello) ||
  fail "run-task hello: $out"
expect_contains "$out" "Creating task for app crashy in org" "run-task says what it does"
expect_contains "$out" "Task has been submitted successfully for execution." "run-task output"
expect_contains "$out" "task name:   hello" "run-task names the task"
expect_contains "$out" "task id:     1" "run-task gives the id"
wait_task_state 1 SUCCEEDED
tasks=$(mcf tasks crashy)
expect_contains "$tasks" "Getting tasks for app crashy in org" "tasks header"
grep -Eq '^1 +hello +SUCCEEDED +[A-Z][a-z]{2}, ' <<< "$tasks" || { echo "$tasks"; fail "tasks shows hello SUCCEEDED with its start time"; }
expect_contains "$tasks" 'echo "task says $GREETING' "tasks shows the command"
logs=$(mcf logs crashy --recent)
expect_contains "$logs" "[APP/TASK/hello/0] OUT task says hello-from-env port=none" "the task's output, with the app's env and no PORT"
expect_contains "$logs" "[APP/TASK/hello/0] ERR oops" "the task's stderr"
expect_contains "$logs" "[APP/TASK/hello/0] OUT Exit status 0" "the task's exit status"
expect_contains "$logs" "successfully created container for task" "CELL line for the container"
expect_contains "$logs" "successfully destroyed container for task" "CELL line for its end"

# 2. A task that fails: FAILED with the exit reason.
mcf run-task crashy "echo about to fail; exit 3" --name broken >/dev/null || fail "run-task broken"
wait_task_state 2 FAILED
[ "$(task_field 2 failure_reason)" = "APP/TASK/broken: Exited with status 3" ] ||
  fail "failure reason of broken: $(task_field 2 failure_reason)"
grep -Eq '^2 +broken +FAILED ' <<< "$(mcf tasks crashy)" || fail "tasks shows broken FAILED"
expect_contains "$(mcf logs crashy --recent)" "[APP/TASK/broken/0] OUT Exit status 3" "broken's exit status"

# 3. A long task, terminated: FAILED, cancelled; its container is gone.
mcf run-task crashy "sleep 300" --name long >/dev/null || fail "run-task long"
wait_task_state 3 RUNNING
out=$(mcf terminate-task crashy 3) || fail "terminate-task: $out"
expect_contains "$out" "Terminating task 3 of app crashy in org" "terminate-task says what it does"
expect_contains "$out" "OK" "terminate-task OK"
wait_task_state 3 FAILED 15
[ "$(task_field 3 failure_reason)" = "task was cancelled" ] || fail "reason of long: $(task_field 3 failure_reason)"
long_guid=$(task_field 3 guid)
[ ! -e "$MICROCF_HOME/depot/$long_guid" ] || fail "the terminated task's container is still there"
out=$(mcf terminate-task crashy 3 2>&1) && fail "terminating a finished task succeeded"
expect_contains "$out" "Task state is FAILED and therefore cannot be canceled" "terminating a finished task"
out=$(mcf terminate-task crashy 99 2>&1) && fail "terminating an unknown task succeeded"
expect_contains "$out" "Task sequence ID 99 not found." "unknown task id"
out=$(mcf terminate-task crashy one 2>&1) && fail "a task id that is not a number was accepted"
expect_contains "$out" "TASK_ID must be integer" "bad task id"

# 4. Clear errors: an unknown app, and an app without a droplet.
out=$(mcf run-task nope "echo hi" 2>&1) && fail "run-task on an unknown app succeeded"
expect_contains "$out" "App 'nope' not found" "unknown app"
space=$(api GET "/v3/spaces" | python3 -c 'import json,sys; print(json.load(sys.stdin)["resources"][0]["guid"])')
api POST /v3/apps "{\"name\":\"empty\",\"relationships\":{\"space\":{\"data\":{\"guid\":\"$space\"}}}}" >/dev/null
out=$(mcf run-task empty "echo hi" 2>&1) && fail "run-task on an app without a droplet succeeded"
expect_contains "$out" "Task must have a droplet. Assign current droplet to app." "app without a droplet"
expect_contains "$out" "FAILED" "app without a droplet fails"
expect_contains "$(mcf tasks empty)" "No tasks found for application." "no task was made"

# 5. microcf stops (SIGTERM) while a task runs: the task is FAILED, not left RUNNING.
mcf run-task crashy "sleep 300" --name interrupted >/dev/null || fail "run-task interrupted"
wait_task_state 4 RUNNING
stop_platform
[ -z "$(leftover_processes)" ] || fail "processes left after SIGTERM: $(leftover_processes)"
start_platform --ssh-port 0  # no ssh needed; another microcf may hold 2222
wait_task_state 4 FAILED 5
expect_contains "$(task_field 4 failure_reason)" "microcf stopped while the task ran" "reason after SIGTERM"

# 6. microcf dies (kill -9) while a task runs: on the next start the task is FAILED.
mcf run-task crashy "sleep 300" --name killed >/dev/null || fail "run-task killed"
wait_task_state 5 RUNNING
kill9_platform
sleep 0.5
[ -z "$(leftover_processes)" ] || fail "task processes outlived a kill -9 of microcf: $(leftover_processes)"
start_platform --ssh-port 0  # no ssh needed; another microcf may hold 2222
wait_task_state 5 FAILED 5
expect_contains "$(task_field 5 failure_reason)" "microcf stopped while the task ran" "reason after kill -9"
# The platform still runs tasks afterwards, from the cached (or re-extracted) droplet.
mcf run-task crashy "echo after-restart" --name again >/dev/null || fail "run-task after restart"
wait_task_state 6 SUCCEEDED
expect_contains "$(mcf logs crashy --recent)" "[APP/TASK/again/0] OUT after-restart" "a task after the restarts"
echo "ok: tasks succeed, fail, are terminated, log as APP/TASK/<name>, and survive microcf restarts honestly"
