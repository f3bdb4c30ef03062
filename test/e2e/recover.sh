# Recovery at scale: 20 started apps all answer again after microcf is stopped (SIGTERM) and
# after it is killed (kill -9), restored from the store and the stored droplets, no staging.
# The waits are bounded; the time they took is printed, not asserted.
source "$(dirname "$0")/lib.sh"
APPS=20
CRASHY="$MICROCF_SOURCE/test/e2e/apps/crashy"
start_platform
cd "$E2E_TMP"  # no manifest.yml here: the flags describe each app
for i in $(seq 1 $APPS); do
  out=$(mcf push "app$i" -p "$CRASHY" -b binary_buildpack -c "python3 server.py" -m 32M 2>&1) ||
    { echo "$out" | tail -20; fail "push app$i"; }
done
for i in $(seq 1 $APPS); do wait_for_body "app$i" "crashy v1 instance 0" 30; done

# all_answer SECONDS: every app answers through the router within SECONDS.
all_answer() {
  local pending next code
  pending=$(seq 1 $APPS)
  for _ in $(seq 1 $(($1 * 10))); do
    next=""
    for i in $pending; do
      code=$(curl -s -o "$E2E_TMP/body" -w '%{http_code}' --max-time 2 "$(app_url "app$i")" || true)
      if [ "$code" != 200 ] || ! grep -q "crashy v1 instance 0" "$E2E_TMP/body"; then next="$next $i"; fi
    done
    pending=$next
    if [ -z "$pending" ]; then return 0; fi
    sleep 0.1
  done
  fail "after ${1}s these apps still did not answer:$(for i in $pending; do printf ' app%s' "$i"; done)"
}

stop_platform
curl -s --max-time 2 "$(app_url app1)" >/dev/null && fail "app1 still answers with microcf stopped"
t0=$(date +%s%3N)
start_platform
all_answer 60
echo "after SIGTERM: all $APPS apps answered $(($(date +%s%3N) - t0)) ms after 'microcf up' started"

kill9_platform
[ -z "$(leftover_processes)" ] || fail "container processes outlived a kill -9 of microcf: $(leftover_processes)"
t0=$(date +%s%3N)
start_platform
all_answer 60
echo "after kill -9: all $APPS apps answered $(($(date +%s%3N) - t0)) ms after 'microcf up' started"

# Restored, not staged again (the log buffer is memory only: any STG line would be new), and
# each app has exactly its one instance.
for i in 1 $APPS; do
  case "$(mcf logs "app$i" --recent)" in *"[STG/"*) fail "app$i was staged again after kill -9" ;; esac
done
running=$(mcf apps | grep -c 'started' || true)
[ "$running" -eq $APPS ] || { mcf apps; fail "expected $APPS started apps, saw $running"; }
for i in 1 $APPS; do
  [ "$(mcf app "app$i" | grep -cE '^#[0-9]')" -eq 1 ] || { mcf app "app$i"; fail "app$i has one instance"; }
done
echo "ok: $APPS apps answered again after SIGTERM and after kill -9"
