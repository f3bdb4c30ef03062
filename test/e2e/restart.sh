# Apps survive a stop (SIGTERM) and a crash (kill -9) of microcf: served again, no push, and
# nothing of the old containers is left on the host.
source "$(dirname "$0")/lib.sh"
start_platform
(cd "$EXAMPLES/static" && mcf push >/dev/null) || fail "push static"
(cd "$EXAMPLES/python" && mcf push >/dev/null) || fail "push python"
mcf scale static -i 2 >/dev/null

stop_platform
[ -z "$(leftover_processes)" ] || fail "processes left after SIGTERM: $(leftover_processes)"
curl -s --max-time 2 "$(app_url static)" >/dev/null && fail "app still answers with microcf stopped"
# The extracted droplets are a cache: the stored droplet (tgz in the blobstore) is the record.
rm -rf "$MICROCF_HOME"/droplets/*

start_platform
wait_for_body static "Hello from microcf static" 20
wait_for_body python "Hello from microcf python" 20
# Logs live in memory: after a restart any STG line would mean the app was staged again.
case "$(mcf logs static --recent)" in *"[STG/"*) fail "static was staged again after restart" ;; esac
for _ in $(seq 1 100); do [ "$(mcf app static | grep -c running)" -ge 2 ] && break; sleep 0.1; done
[ "$(mcf app static | grep -c running)" -ge 2 ] || fail "both static instances back after SIGTERM"

# What the running containers hold on the host: mounts (in their own namespaces, seen
# through their processes), cgroups (named after the depot) and veths on microcf's bridge.
cgroups() {  # the groups of this platform's containers (the depot has one folder per container)
  for handle in $(ls "$MICROCF_HOME/depot"); do
    find /sys/fs/cgroup -maxdepth 8 -type d -name "$handle" 2>/dev/null
  done
}
veths() { ip -o link show | awk -F': ' '{print $2}' | grep '^mcfv' || true; }
[ -n "$(cgroups)" ] || fail "expected the running containers to have cgroups"
[ -n "$(veths)" ] || fail "expected the running containers to have veths"
groups_before=$(cgroups)
kill9_platform
sleep 0.5
[ -z "$(leftover_processes)" ] || fail "container processes outlived a kill -9 of microcf: $(leftover_processes)"
grep -q "$E2E_TMP" /proc/mounts && fail "mounts outlived a kill -9 of microcf: $(grep "$E2E_TMP" /proc/mounts)"
for _ in $(seq 1 50); do [ -z "$(veths)" ] && break; sleep 0.1; done
[ -z "$(veths)" ] || fail "veths outlived the containers: $(veths)"
start_platform
# The restarted platform removed the dead containers' groups before it started new ones.
for dir in $groups_before; do [ ! -d "$dir" ] || fail "cgroup $dir outlived its container"; done
wait_for_body static "Hello from microcf static" 20
wait_for_body python "Hello from microcf python" 20
case "$(mcf logs python --recent)" in *"[STG/"*) fail "python was staged again after kill -9" ;; esac
echo "ok: apps served again after SIGTERM and kill -9, with no processes, mounts, veths or cgroups left"
