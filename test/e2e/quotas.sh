# Org and space quotas: an org quota of 256M set on the org refuses a scale and a push that
# would pass it, with Cloud Foundry's words and the numbers; the platform keeps running and the
# app that fits still answers. A space quota inside it refuses earlier.
source "$(dirname "$0")/lib.sh"
start_platform
cd "$E2E_TMP"  # no manifest.yml here: the flags describe each app

out=$(mcf org-quotas) || fail "org-quotas: $out"
expect_contains "$out" "default" "org-quotas lists the default quota"
out=$(mcf create-org-quota small -m 256M -i 1G -r 10 -s 5 2>&1) || fail "create-org-quota: $out"
expect_contains "$out" "Creating org quota small as admin..." "create-org-quota"
out=$(mcf org-quota small) || fail "org-quota small: $out"
expect_contains "$out" "total memory:" "org-quota small"
expect_contains "$out" "256M" "org-quota small"
expect_contains "$out" "1G" "org-quota small"
out=$(mcf set-org-quota microcf small 2>&1) || fail "set-org-quota: $out"
expect_contains "$out" "Setting quota small to org microcf as admin..." "set-org-quota"
org=$(api GET "/v3/organizations?names=microcf")
small=$(api GET "/v3/organization_quotas?names=small" | python3 -c 'import json, sys; print(json.load(sys.stdin)["resources"][0]["guid"])')
expect_contains "$org" "\"quota\":{\"data\":{\"guid\":\"$small\"}}" "the org shows its quota"

mcf push static -p "$EXAMPLES/static" -m 128M >/dev/null || fail "push static at 128M"
wait_for_body static "Hello from microcf static"

out=$(mcf scale static -i 3 2>&1) && fail "scale past the org quota succeeded: $out"
expect_contains "$out" "memory quota_exceeded. App 'static' needs 384 MB (3 web instances of 128 MB) but the organization 'microcf' has a memory limit of 256 MB (quota 'small')" "scale -i 3"
expect_contains "$out" "microcf update-org-quota small -m SIZE" "scale -i 3 says what to do"
guid=$(api GET "/v3/apps?names=static" | python3 -c 'import json, sys; print(json.load(sys.stdin)["resources"][0]["guid"])')
[ "$(api GET "/v3/processes/$guid" | python3 -c 'import json, sys; print(json.load(sys.stdin)["instances"])')" = 1 ] ||
  fail "a refused scale changed the instance count"

out=$(mcf push second -p "$EXAMPLES/static" -m 256M 2>&1) && fail "push past the org quota succeeded: $out"
expect_contains "$out" "memory quota_exceeded. App 'second' needs 256 MB" "push second"
expect_contains "$out" "its other apps and tasks use 128 MB" "push second"
second=$(api GET "/v3/apps?names=second" | python3 -c 'import json, sys; print(json.load(sys.stdin)["resources"][0]["state"])')
[ "$second" = STOPPED ] || fail "the refused app is $second"

# The platform keeps serving the app that fits.
wait_for_body static "Hello from microcf static"
api GET /v3/info >/dev/null || fail "the API stopped answering"

# A space quota inside the org quota refuses earlier.
out=$(mcf create-space-quota tiny -m 64M 2>&1) || fail "create-space-quota: $out"
out=$(mcf set-space-quota dev tiny 2>&1) || fail "set-space-quota: $out"
expect_contains "$out" "Setting space quota tiny to space dev as admin..." "set-space-quota"
out=$(mcf space-quotas) || fail "space-quotas: $out"
expect_contains "$out" "tiny" "space-quotas"
out=$(mcf push third -p "$EXAMPLES/static" -m 128M 2>&1) && fail "push past the space quota succeeded: $out"
expect_contains "$out" "memory space_quota_exceeded. App 'third' needs 128 MB" "push third"
out=$(mcf unset-space-quota dev tiny 2>&1) || fail "unset-space-quota: $out"
out=$(mcf delete-space-quota tiny -f 2>&1) || fail "delete-space-quota: $out"

# Raising the quota lets the scale through.
mcf update-org-quota small -m 1G >/dev/null || fail "update-org-quota"
mcf scale static -i 3 >/dev/null || fail "scale -i 3 after raising the quota"
wait_for_body static "Hello from microcf static"
echo "ok: org and space quotas refuse what would pass them; the app within them keeps answering"
