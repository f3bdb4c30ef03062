# Pushing the static example with ((variables)) from --vars-file and --var (the --var wins):
# the instance count and route come from them, -u and -t set its health check; a push with
# missing variables fails with cf's message and creates nothing. Scaling it to 3 instances:
# all three answer through the router. Scaling the crashy app up and down under a load loop:
# no request fails.
source "$(dirname "$0")/lib.sh"
start_platform
cat > "$E2E_TMP/manifest.yml" <<EOF
applications:
- name: ((app))
  path: $EXAMPLES/static
  memory: 64M
  instances: ((n))
  buildpacks: [staticfile_buildpack]
  routes:
  - route: ((app)).((domain))
EOF
printf 'app: static\nn: 1\ndomain: localhost\n' > "$E2E_TMP/vars.yml"
out=$(mcf push -f "$E2E_TMP/manifest.yml" --var app=novars 2>&1) && { echo "$out"; fail "push with missing variables succeeded"; }
expect_contains "$out" "Expected to find variables: domain, n" "push with missing variables"
out=$(mcf apps 2>&1) || { echo "$out"; fail "apps"; }
case "$out" in *novars*) echo "$out"; fail "a push with missing variables created the app" ;; esac
out=$(mcf push -f "$E2E_TMP/manifest.yml" --vars-file "$E2E_TMP/vars.yml" --var n=2 -u process -t 90 2>&1) || { echo "$out"; fail "push static with variables"; }
guid=$(api GET "/v3/apps?names=static" | python3 -c 'import json,sys; print(json.load(sys.stdin)["resources"][0]["guid"])')
process=$(api GET "/v3/processes/$guid")
expect_contains "$process" '"type":"process"' "-u process sets the health check type"
expect_contains "$process" '"timeout":90' "-t 90 sets the start timeout"
for _ in $(seq 1 300); do
  [ "$(mcf app static | grep -cE '^#[0-9].*running')" -eq 2 ] && break
  sleep 0.1
done
app=$(mcf app static)
[ "$(printf '%s\n' "$app" | grep -cE '^#[0-9].*running')" -eq 2 ] || { echo "$app"; fail "--var n=2 over the vars file's n: 1 gives 2 running instances"; }
wait_for_body static "Hello from microcf static"
out=$(mcf scale static -i 3 2>&1) || { echo "$out"; fail "scale"; }

seen=""
for _ in $(seq 1 300); do
  idx=$(curl -s -o /dev/null -D - --max-time 2 "$(app_url static)" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-instance-index"{print $2}')
  case " $seen " in *" $idx "*) ;; *) [ -n "$idx" ] && seen="$seen $idx" ;; esac
  [ "$(echo $seen | wc -w)" -ge 3 ] && break
  sleep 0.05
done
[ "$(echo $seen | wc -w)" -ge 3 ] || fail "expected answers from 3 instances, saw:$seen"

app=$(mcf app static)
[ "$(printf '%s\n' "$app" | grep -c 'running')" -ge 3 ] || { echo "$app"; fail "microcf app shows 3 running instances"; }

mcf scale static -i 1 >/dev/null || fail "scale down"
for _ in $(seq 1 100); do
  [ "$(mcf app static | grep -cE '^#[0-9]')" -eq 1 ] && break
  sleep 0.1
done
[ "$(mcf app static | grep -cE '^#[0-9]')" -eq 1 ] || fail "scale down to 1 instance"
wait_for_body static "Hello from microcf static"

(cd "$MICROCF_SOURCE/test/e2e/apps/crashy" && mcf push >/dev/null) || fail "push crashy"
wait_for_body crashy "crashy v1"
crashy_running() { mcf app crashy | grep -cE '^#[0-9].*running' || true; }
start_load
mcf scale crashy -i 3 >/dev/null || fail "scale crashy -i 3"
for _ in $(seq 1 100); do [ "$(crashy_running)" -eq 3 ] && break; sleep 0.1; done
[ "$(crashy_running)" -eq 3 ] || fail "crashy scaled up to 3 running instances"
sleep 1  # traffic reaches all three
mcf scale crashy -i 1 >/dev/null || fail "scale crashy -i 1"
for _ in $(seq 1 100); do [ "$(mcf app crashy | grep -cE '^#[0-9]')" -eq 1 ] && break; sleep 0.1; done
sleep 2  # the scaled-down instances drain and stop while the load goes on
stop_load "v1" "scaling crashy 1 → 3 → 1"
echo "ok: a push with --vars-file, --var, -u and -t ran 2 instances with its health check, missing variables created nothing; 3 instances answered, scaled back to 1; scaling under load failed no request"
