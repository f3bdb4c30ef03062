# Staging limits: with `up --max-stagings 1` a second staging waits for the slot and then
# succeeds; a staging over its memory limit fails with the out-of-memory message while an app
# that runs keeps answering; one over its disk limit fails with the disk message.
source "$(dirname "$0")/lib.sh"
out=$(mcf up --staging-timeout 15 2>&1) && fail "up took a staging timeout without a unit"
expect_contains "$out" "--staging-timeout: '15' is not a duration: a unit is missing" "up --staging-timeout 15"
start_platform --max-stagings 1 --staging-timeout 10m
expect_contains "$(cat "$E2E_TMP/up.log")" "staging:   1 at once (--max-stagings), 600s timeout" "the banner of up"

out=$(cd "$EXAMPLES/static" && mcf push 2>&1) || { echo "$out"; fail "push of examples/static failed"; }
wait_for_body static "Hello from microcf static"

# The app test/e2e/apps/hungry allocates in npm's preinstall; a manifest says how much.
hungry() {  # hungry NAME MB SLEEP_S: a copy of the app in $E2E_TMP/NAME
  mkdir -p "$E2E_TMP/$1"
  cp -r "$MICROCF_SOURCE/test/e2e/apps/hungry/." "$E2E_TMP/$1/"
  printf 'applications:\n- name: %s\n  memory: 128M\n  env:\n    HUNGRY_MB: "%s"\n    HUNGRY_SLEEP_S: "%s"\n' \
    "$1" "$2" "$3" > "$E2E_TMP/$1/manifest.yml"
}

# 1. One slot: the second push waits until the first staging ends, then both are served.
hungry slow 64 8
(cd "$E2E_TMP/slow" && mcf push > "$E2E_TMP/slow.out" 2>&1; echo $? > "$E2E_TMP/slow.rc") &
SLOW_PID=$!
for _ in $(seq 1 600); do
  grep -q "hog: started" "$E2E_TMP/slow.out" 2>/dev/null && break
  [ -f "$E2E_TMP/slow.rc" ] && break
  sleep 0.1
done
grep -q "hog: started" "$E2E_TMP/slow.out" || { cat "$E2E_TMP/slow.out"; fail "the first staging did not reach npm's preinstall"; }
mkdir -p "$E2E_TMP/second"
cp -r "$EXAMPLES/static/." "$E2E_TMP/second/"
rm -f "$E2E_TMP/second/manifest.yml"
out=$(cd "$E2E_TMP/second" && mcf push second 2>&1) || { echo "$out"; fail "the second push failed"; }
expect_contains "$out" "Waiting for a staging slot (1 staging running, 0 ahead of this one)" "the second push"
wait "$SLOW_PID" || true
[ "$(cat "$E2E_TMP/slow.rc")" = 0 ] || { cat "$E2E_TMP/slow.out"; fail "the first push failed"; }
grep -q "hog: done" "$E2E_TMP/slow.out" || { cat "$E2E_TMP/slow.out"; fail "the first push shows no staging output"; }
wait_for_body slow "hungry"
wait_for_body second "Hello from microcf static"
# The first staging finished before the second began: the second's output shows no hog.
[[ "$out" != *"hog:"* ]] || fail "the second push shows the first's staging output"

# 2. A staging over its memory limit (1024 MB: the larger of 128M and 1024 MB) fails with the
# out-of-memory message; the static app answers 200 all along.
hungry oom 3072 0
(
  n=0 bad=0
  while [ ! -f "$E2E_TMP/oom.done" ] && [ $n -lt 3000 ]; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$(app_url static)" || true)
    [ "$code" = 200 ] || bad=$((bad + 1))
    n=$((n + 1))
    sleep 0.05
  done
  echo "$n $bad" > "$E2E_TMP/probe.out"
) &
PROBE_PID=$!
out=$(cd "$E2E_TMP/oom" && mcf push 2>&1) && { echo "$out"; fail "a staging over its memory limit succeeded"; }
touch "$E2E_TMP/oom.done"
wait "$PROBE_PID" || true
expect_contains "$out" "Staging ran out of memory: the builder exceeded its limit of 1024 MB" "the failed push"
expect_contains "$out" "staging_memory_in_mb" "the failed push says how to raise the limit"
read -r probes bad < "$E2E_TMP/probe.out"
[ "$probes" -gt 0 ] || fail "the probe of the static app made no request"
[ "$bad" = 0 ] || fail "the static app failed $bad of $probes requests while a staging ran out of memory"
# The slot is free again: another staging runs.
out=$(cd "$EXAMPLES/node" && mcf push 2>&1) || { echo "$out"; fail "a push after the failed staging failed"; }
wait_for_body node "Hello from microcf node"

# 3. A build that writes past its staging disk (here 64 MB, set on the build) fails with the
# disk message: the app's files, the droplet and the cache count against it, not only the
# container's own layer, so the host's disk is never the limit.
mkdir -p "$E2E_TMP/filler-bp/bin" "$E2E_TMP/filler"
printf '#!/usr/bin/env bash\necho filler\n' > "$E2E_TMP/filler-bp/bin/detect"
printf '#!/usr/bin/env bash\ndd if=/dev/zero of="$1/filler" bs=1M count=200 2>&1\n' > "$E2E_TMP/filler-bp/bin/compile"
printf '#!/usr/bin/env bash\nprintf -- "---\\ndefault_process_types:\\n  web: sleep 1000\\n"\n' > "$E2E_TMP/filler-bp/bin/release"
chmod +x "$E2E_TMP/filler-bp/bin/"*
echo hi > "$E2E_TMP/filler/hi.txt"
out=$(cd "$E2E_TMP/filler" && mcf push filler -b "$E2E_TMP/filler-bp" --no-start 2>&1) ||
  { echo "$out"; fail "push --no-start of the filler app failed"; }
app_guid=$(api GET "/v3/apps?names=filler" | python3 -c 'import json,sys; print(json.load(sys.stdin)["resources"][0]["guid"])')
package_guid=$(api GET "/v3/apps/$app_guid/packages" | python3 -c 'import json,sys; print(json.load(sys.stdin)["resources"][0]["guid"])')
build=$(api POST /v3/builds "{\"package\":{\"guid\":\"$package_guid\"},\"staging_disk_in_mb\":64}")
build_guid=$(echo "$build" | python3 -c 'import json,sys; print(json.load(sys.stdin)["guid"])') ||
  fail "POST /v3/builds with staging_disk_in_mb 64: $build"
state=""
for _ in $(seq 1 600); do
  build=$(api GET "/v3/builds/$build_guid")
  state=$(echo "$build" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')
  [ "$state" = STAGING ] || break
  sleep 0.1
done
[ "$state" = FAILED ] || fail "a build writing 200 MB into a 64 MB staging disk ended $state: $build"
expect_contains "$build" "Staging exceeded its disk limit of 64 MB" "the build over its disk limit"
[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$(app_url static)")" = 200 ] ||
  fail "the static app stopped answering after a staging filled its disk"
echo "ok: stagings wait for the slot, one over its memory limit fails alone, one over its disk fails too"
