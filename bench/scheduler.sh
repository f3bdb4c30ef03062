#!/usr/bin/env bash
# The scheduler: time to converge from 0 to 200 running instances of a small app (the static
# example, 32M each); time from an instance's crash to it being routable again (the crashy
# test app); time from `microcf up` on a data dir with 20 started apps to all 20 answering
# through the router, after a SIGTERM and after a kill -9 of the previous microcf.
#   bench/scheduler.sh [INSTANCES (default 200)] [ROUNDS (default 3)]
# Needs root (containers). MICROCF_BENCH_SUBNET gives the containers another subnet.
source "$(dirname "$0")/common.sh"
[ "$(id -u)" -eq 0 ] || { echo "bench/scheduler.sh needs root (containers)"; exit 1; }
instances=${1:-200} rounds=${2:-3} apps=20
cd "$BENCH_TMP"  # no manifest.yml here: the flags describe each app

mcf() { "$MICROCF" "$@"; }
url() { echo "http://$1.localhost:$PORT${2:-/}"; }
code() { curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$@" || true; }
app_guid() {
  mcf curl "/v3/apps?names=$1" | python3 -c 'import json, sys; print(json.load(sys.stdin)["resources"][0]["guid"])'
}
running() {  # running PROCESS_GUID: how many of its instances are RUNNING
  mcf curl "/v3/processes/$1/stats" | grep -oE '"state": *"RUNNING"' | wc -l
}
has_running() { [ "$(running "$1")" -eq "$2" ]; }  # has_running PROCESS_GUID N
answers() { [ "$(code "$1")" = 200 ]; }
refuses() { ! answers "$1"; }
scale_to() { mcf curl -X POST "/v3/processes/$1/actions/scale" -d "{\"instances\": $2}" >/dev/null; }
# until_ok SECONDS WHAT CMD...: runs CMD every 5 ms until it succeeds; gives up after SECONDS.
until_ok() {
  local deadline=$(( $(now_ms) + $1 * 1000 )) what=$2
  shift 2
  until "$@"; do
    [ "$(now_ms)" -lt "$deadline" ] || { echo "gave up waiting for $what"; tail -20 "$BENCH_TMP/up.log"; exit 1; }
    sleep 0.005
  done
}
row() {  # row WHAT VALUES...: min, median and max in seconds
  local sorted
  sorted=$(printf '%s\n' "${@:2}" | sort -n)
  printf '%-58s %7.2f %7.2f %7.2f\n' "$1" \
    "$(echo "$sorted" | head -1 | awk '{print $1 / 1000}')" \
    "$(echo "$sorted" | median | awk '{print $1 / 1000}')" \
    "$(echo "$sorted" | tail -1 | awk '{print $1 / 1000}')"
}

start_platform

# 1. 0 → N running instances: one scale request, then process stats until N are RUNNING.
mcf push small -p "$ROOT/examples/static" -b staticfile_buildpack -m 32M > "$BENCH_TMP/push.log" 2>&1 ||
  { cat "$BENCH_TMP/push.log"; exit 1; }
small=$(app_guid small)
converge=()
for _ in $(seq 1 "$rounds"); do
  scale_to "$small" 0
  until_ok 120 "0 instances" has_running "$small" 0
  sleep 1  # let the stopped containers go
  t0=$(now_ms)
  scale_to "$small" "$instances"
  until_ok 600 "$instances running instances" has_running "$small" "$instances"
  converge+=($(( $(now_ms) - t0 )))
done
mcf delete small -f >/dev/null

# 2. Crash → routable again: from the first request that fails (the router drops an instance
# the moment it exits) to the first 200 from the instance that replaced it. A restart before
# each round gives a fresh instance, whose first crashes restart at once (no backoff).
mcf push crashy -p "$ROOT/test/e2e/apps/crashy" -b binary_buildpack -c "python3 server.py" -m 64M \
  > "$BENCH_TMP/push.log" 2>&1 || { cat "$BENCH_TMP/push.log"; exit 1; }
crash=()
for _ in $(seq 1 "$rounds"); do
  mcf restart crashy >/dev/null
  until_ok 30 "crashy to answer" answers "$(url crashy)"
  [ "$(curl -s --max-time 2 "$(url crashy /crash)")" = crashing ] || { echo "crashy did not crash"; exit 1; }
  until_ok 10 "the crash" refuses "$(url crashy)"
  t0=$(now_ms)
  until_ok 30 "crashy back" answers "$(url crashy)"
  crash+=($(( $(now_ms) - t0 )))
done
mcf delete crashy -f >/dev/null

# 3. `microcf up` with 20 started apps → all 20 answer, after SIGTERM and after kill -9.
for i in $(seq 1 $apps); do
  mcf push "app$i" -p "$ROOT/examples/static" -b staticfile_buildpack -m 32M > "$BENCH_TMP/push.log" 2>&1 ||
    { cat "$BENCH_TMP/push.log"; exit 1; }
done
all_args=()
for i in $(seq 1 $apps); do all_args+=(-o /dev/null "$(url "app$i")"); done
all_answer() {
  [ "$(curl -s -w '%{http_code}\n' --max-time 1 "${all_args[@]}" | grep -c '^200$')" -eq $apps ]
}
until_ok 60 "all $apps apps" all_answer
after_term=() after_kill=()
for _ in $(seq 1 "$rounds"); do
  stop_platform
  t0=$(now_ms)
  start_platform
  until_ok 120 "all $apps apps after SIGTERM" all_answer
  after_term+=($(( $(now_ms) - t0 )))

  kill -9 "$UP_PID"
  wait "$UP_PID" 2>/dev/null || true
  UP_PID=""
  t0=$(now_ms)
  start_platform
  until_ok 120 "all $apps apps after kill -9" all_answer
  after_kill+=($(( $(now_ms) - t0 )))
done

echo "scheduler, $rounds rounds (seconds)"
printf '%-58s %7s %7s %7s\n' what min median max
row "0 → $instances running instances (static, 32M)" "${converge[@]}"
row "crash → routable again (crashy, python)" "${crash[@]}"
row "up after SIGTERM → all $apps apps answer" "${after_term[@]}"
row "up after kill -9 → all $apps apps answer" "${after_kill[@]}"
