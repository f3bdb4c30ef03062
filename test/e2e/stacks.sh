# Stacks: `microcf stacks` lists host as the default; an unknown stack is refused before
# anything is created; apps pushed with `stack: bookworm` run on the Debian 12 stemcell.
# The bookworm part builds the stemcell once into $MICROCF_BUILD/stemcell-cache (reused while
# its checksum matches) and is skipped (exit 77) when it cannot be built here.
source "$(dirname "$0")/lib.sh"
start_platform

stacks=$(mcf stacks) || fail "microcf stacks failed: $stacks"
expect_contains "$stacks" "name" "microcf stacks prints the table header"
expect_contains "$stacks" "host " "microcf stacks lists host"
expect_contains "$(printf '%s\n' "$stacks" | grep '^host ')" "(default)" "host is the default stack"
json=$(api GET /v3/stacks)
expect_contains "$json" '"name":"host"' "GET /v3/stacks lists host"
expect_contains "$json" '"default":true' "GET /v3/stacks marks the default"

# An unknown stack: a clear message, nothing created, the platform keeps serving.
mkdir -p "$E2E_TMP/nope"
cp -r "$EXAMPLES/static/." "$E2E_TMP/nope/"
printf 'applications:\n- name: nope-app\n  stack: nope\n' > "$E2E_TMP/nope/manifest.yml"
if out=$(cd "$E2E_TMP/nope" && mcf push 2>&1); then
  echo "$out"; fail "a push with stack: nope succeeded"
fi
expect_contains "$out" "Applying the manifest failed: For application 'nope-app': Stack 'nope' not found. Available stacks: host" "push with stack: nope"
apps=$(mcf apps)
case "$apps" in *nope-app*) fail "the refused app was created: $apps" ;; esac
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://api.localhost:$PORT/v3/info")" = 200 ] ||
  fail "the API stopped answering after the refused push"
out=$(cd "$EXAMPLES/static" && mcf push 2>&1) || { echo "$out"; fail "push of examples/static failed"; }
expect_contains "$(curl -s --max-time 5 "$(app_url static)")" "Hello from microcf static" "static app"
echo "ok: host is the default stack; an unknown stack is refused"

# --- bookworm: build (or reuse) the stemcell.
cache="${MICROCF_BUILD:-$E2E_TMP}/stemcell-cache"
cached_ok() {
  local meta sha tarball
  meta=$(ls -t "$cache"/bookworm-*.json 2>/dev/null | head -n1)
  [ -n "$meta" ] || return 1
  sha=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sha256"])' "$meta")
  tarball="$cache/$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tarball"])' "$meta")"
  [ -f "$tarball" ] && [ "$(sha256sum "$tarball" | cut -d' ' -f1)" = "$sha" ] || return 1
  STEMCELL_META=$meta STEMCELL_TARBALL=$tarball
}
if ! cached_ok; then
  command -v debootstrap >/dev/null || { echo "skipped bookworm: debootstrap is not installed"; exit 77; }
  mirror=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 http://deb.debian.org/debian/dists/bookworm/Release || true)
  [ "$mirror" = 200 ] || { echo "skipped bookworm: the Debian mirror is not reachable (HTTP $mirror)"; exit 77; }
  rm -rf "$cache"
  started=$(date +%s)
  out=$(mcf stemcell build --output "$cache" 2>&1) || { echo "$out"; fail "microcf stemcell build failed"; }
  echo "$out" | tail -n 3
  echo "stemcell build took $(( $(date +%s) - started ))s"
  cached_ok || fail "the built stemcell's checksum does not match its metadata"
else
  echo "reusing the stemcell $STEMCELL_TARBALL"
fi
echo "stemcell: $(basename "$STEMCELL_TARBALL") $(du -h "$STEMCELL_TARBALL" | cut -f1)"

# Built while microcf runs: the next listing finds it and extracts it off the loop.
mkdir -p "$MICROCF_HOME/stemcells"
cp -l "$STEMCELL_META" "$STEMCELL_TARBALL" "$MICROCF_HOME/stemcells/" 2>/dev/null ||
  cp "$STEMCELL_META" "$STEMCELL_TARBALL" "$MICROCF_HOME/stemcells/"
started=$(date +%s)
for _ in $(seq 1 300); do
  stacks=$(mcf stacks)
  # (host's description names the host's OS, which may be bookworm too: match the name column)
  printf '%s\n' "$stacks" | grep -q '^bookworm ' && break
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://api.localhost:$PORT/v3/info")" = 200 ] ||
    fail "the API stopped answering while the stemcell was extracted"
  sleep 1
done
expect_contains "$(printf '%s\n' "$stacks" | grep '^bookworm ' || true)" "Debian GNU/Linux 12" \
  "microcf stacks lists bookworm once extracted"
echo "bookworm offered $(( $(date +%s) - started ))s after it appeared"

# examples/python and examples/node on bookworm, with an extra page that shows the stack.
for app in python node; do
  dir="$E2E_TMP/$app-bw"
  mkdir -p "$dir"
  cp -r "$EXAMPLES/$app/." "$dir/"
  printf 'applications:\n- name: %s-bw\n  memory: 128M\n  stack: bookworm\n  buildpacks:\n  - %s_buildpack\n' \
    "$app" "$([ $app = node ] && echo nodejs || echo python)" > "$dir/manifest.yml"
done
python3 - "$E2E_TMP" <<'PY'
import sys
d = sys.argv[1]
p = f"{d}/python-bw/app.py"
s = open(p).read()
s = s.replace('        body = f"Hello from microcf python, instance {INDEX}\\n".encode()\n',
              '        body = f"Hello from microcf python, instance {INDEX}\\n".encode()\n'
              '        if self.path == "/stack":\n'
              '            body = (open("/etc/os-release").read() + "".join(\n'
              '                l for l in open("/proc/self/mountinfo") if " /usr " in l)).encode()\n')
assert "/stack" in s
open(p, "w").write(s)
p = f"{d}/node-bw/server.js"
s = open(p).read()
s = s.replace('  res.end(`Hello from microcf node, instance ${index}\\n`);',
              '  if (req.url === "/stack") return res.end(require("fs").readFileSync("/etc/os-release"));\n'
              '  res.end(`Hello from microcf node, instance ${index}\\n`);')
assert "/stack" in s
open(p, "w").write(s)
PY
for app in python node; do
  out=$(cd "$E2E_TMP/$app-bw" && mcf push 2>&1) || { echo "$out"; fail "push of $app with stack: bookworm failed"; }
  expect_contains "$out" "running" "push $app-bw shows a running instance"
  expect_contains "$(curl -s --max-time 5 "$(app_url $app-bw)")" "Hello from microcf $app" "GET / of $app-bw"
  page=$(curl -s --max-time 5 "$(app_url $app-bw /stack)")
  expect_contains "$page" 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"' "/etc/os-release in $app-bw"
  expect_contains "$(mcf app $app-bw)" "bookworm" "microcf app $app-bw shows its stack"
done
# The container's /usr is the stemcell's tree, not the host's.
usr=$(curl -s --max-time 5 "$(app_url python-bw /stack)" | grep ' /usr ' || true)
expect_contains "$usr" "/stacks/bookworm/" "the python app's /usr comes from the extracted stemcell"
echo "ok: python and node run on bookworm"
