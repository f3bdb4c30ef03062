# Scaling as Cloud Foundry does it: -i changes the instance count and touches no running
# instance (down: the highest indexes stop); -m restarts every instance with the new limit;
# a negative count and anything past the memory available (`microcf up --memory`) are
# refused with Cloud Foundry's errors, and nothing is started.
source "$(dirname "$0")/lib.sh"
start_platform --memory 256M
grep -q "memory:    256 MB for apps" "$E2E_TMP/up.log" || fail "up prints the memory for apps"
cd "$E2E_TMP"  # no manifest.yml here: the flags describe each app
mcf push static -p "$EXAMPLES/static" -m 64M >/dev/null || fail "push static"
guid=$(api GET "/v3/apps?names=static" | python3 -c 'import json, sys; print(json.load(sys.stdin)["resources"][0]["guid"])')

# running_guids: the instance guids of the RUNNING instances, by index.
running_guids() {
  api GET "/v3/processes/$guid/stats" | python3 -c '
import json, sys
print(" ".join(r["instance_guid"] for r in json.load(sys.stdin)["resources"] if r["state"] == "RUNNING"))'
}
# wait_running N: until exactly N instances run (and as many are desired).
wait_running() {
  for _ in $(seq 1 200); do
    [ "$(running_guids | wc -w)" -eq "$1" ] && [ "$(api GET "/v3/processes/$guid/stats" | grep -o '"index"' | wc -l)" -eq "$1" ] && return 0
    sleep 0.1
  done
  fail "expected $1 running instances of static; stats: $(api GET "/v3/processes/$guid/stats")"
}

mcf scale static -i 2 >/dev/null || fail "scale -i 2"
wait_running 2
two=$(running_guids)
mcf scale static -i 4 >/dev/null || fail "scale -i 4"
wait_running 4
four=$(running_guids)
[ "$(echo "$four" | cut -d' ' -f1-2)" = "$two" ] || fail "scaling up replaced running instances: '$two' → '$four'"

# 5 × 64M is more than the 256M for apps.
out=$(mcf scale static -i 5 2>&1) && fail "scale past the memory available succeeded: $out"
expect_contains "$out" "One or more instances could not be started because of insufficient running resources." "scale -i 5"
expect_contains "$out" "CF-InsufficientRunningResourcesAvailable" "scale -i 5"
expect_contains "$out" "FAILED" "scale -i 5"
r=$(api POST "/v3/processes/$guid/actions/scale" '{"instances": 5}')
expect_contains "$r" '"code":150003' "API scale past the memory"
[ "$(api GET "/v3/processes/$guid" | python3 -c 'import json, sys; print(json.load(sys.stdin)["instances"])')" = 4 ] ||
  fail "a refused scale changed the instance count"
[ "$(running_guids)" = "$four" ] || fail "a refused scale touched running instances"

out=$(mcf scale static -i -1 2>&1) && fail "scale -i -1 succeeded: $out"
expect_contains "$out" "the number of instances must be 0 or more" "scale -i -1"
r=$(api POST "/v3/processes/$guid/actions/scale" '{"instances": -1}')
expect_contains "$r" "Instances must be greater than or equal to 0" "API scale to -1"

mcf scale static -i 2 >/dev/null || fail "scale -i 2 (down)"
wait_running 2
[ "$(running_guids)" = "$two" ] || fail "scaling down stopped other than the highest indexes: '$four' → '$(running_guids)'"

# New limits: every instance restarts with them.
mcf scale static -m 32M >/dev/null || fail "scale -m 32M"
wait_running 2
for g in $(running_guids); do case " $two " in *" $g "*) fail "instance $g was not restarted with -m 32M" ;; esac; done
quota=$(api GET "/v3/processes/$guid/stats" | python3 -c 'import json, sys; print(sorted({r["mem_quota"] for r in json.load(sys.stdin)["resources"]}))')
[ "$quota" = "[33554432]" ] || fail "instances' memory quota after -m 32M: $quota"
wait_for_body static "Hello from microcf static"

# Starting an app that does not fit: the push fails, the app stays stopped, nothing runs.
out=$(mcf push big -p "$EXAMPLES/static" -m 256M 2>&1) && fail "push of an app past the memory available succeeded"
expect_contains "$out" "insufficient running resources" "push big"
expect_contains "$out" "App 'big' needs 256 MB (1 web instance of 256 MB); 192 MB of the 256 MB for apps are free" "push big"
big=$(api GET "/v3/apps?names=big" | python3 -c 'import json, sys; a = json.load(sys.stdin)["resources"][0]; print(a["guid"], a["state"])')
[ "${big#* }" = STOPPED ] || fail "the refused app is ${big#* }"
[ "$(api GET "/v3/processes/${big% *}/stats" | grep -c RUNNING)" -eq 0 ] || fail "an instance of the refused app runs"
echo "ok: scale -i kept running instances, -m restarted them, negative and oversized requests refused"
