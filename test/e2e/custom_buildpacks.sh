# Custom buildpacks in push: -b with a local folder, a zip (local and over http), a local git
# repository at a tag, several -b (a supply-only custom buildpack, then an admin one), and
# -b's that are not there.
source "$(dirname "$0")/lib.sh"
APPS="$MICROCF_SOURCE/test/e2e/apps"
start_platform

# A copy of the bash buildpack in a folder of its own, as a user would have it.
cp -r "$APPS/bash_buildpack" "$E2E_TMP/bp"

# 1. A folder, relative to where push runs.
out=$(cd "$E2E_TMP" && mcf push hello-dir -p "$APPS/bash_hello" -b ./bp -m 64M 2>&1) ||
  { echo "$out"; fail "push -b ./bp failed"; }
expect_contains "$out" "Downloading buildpack file://$E2E_TMP/bp..." "push -b folder says it fetches the folder"
expect_contains "$out" "Bash hello buildpack 1.0" "the folder's buildpack compiled the app"
wait_for_body hello-dir "Hello from the bash buildpack 1.0"
wait_for_body hello-dir "bash_hello's own words"
code=$(curl -s -o /dev/null -w '%{http_code}' "$(app_url hello-dir)")
[ "$code" = 200 ] || fail "hello-dir answered $code"
expect_contains "$(mcf app hello-dir)" "file://$E2E_TMP/bp" "the droplet names the buildpack by its URL"
# The folder may change under the same name: the next push stages again, with what it has now.
echo "1.1" > "$E2E_TMP/bp/VERSION"
out=$(cd "$E2E_TMP" && mcf push hello-dir -p "$APPS/bash_hello" -b ./bp -m 64M 2>&1) ||
  { echo "$out"; fail "second push -b ./bp failed"; }
[[ "$out" != *"Staging skipped"* ]] || fail "a droplet staged from a buildpack folder was reused"
wait_for_body hello-dir "Hello from the bash buildpack 1.1"
echo "1.0" > "$E2E_TMP/bp/VERSION"

# 2. A zip whose buildpack is in one top-level folder (as GitHub's zips are).
mkdir -p "$E2E_TMP/zipsrc"
cp -r "$E2E_TMP/bp" "$E2E_TMP/zipsrc/bash-buildpack-1.0"
(cd "$E2E_TMP/zipsrc" && zip -qr "$E2E_TMP/bash-buildpack.zip" bash-buildpack-1.0)
out=$(cd "$APPS/bash_hello" && mcf push hello-zip -b "$E2E_TMP/bash-buildpack.zip" -m 64M 2>&1) ||
  { echo "$out"; fail "push -b file.zip failed"; }
expect_contains "$out" "Downloading buildpack file://$E2E_TMP/bash-buildpack.zip..." "push -b zip"
wait_for_body hello-zip "Hello from the bash buildpack 1.0"

# The same zip from an http URL (downloaded with curl on the platform's machine).
ZIP_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory "$E2E_TMP" "$ZIP_PORT" > "$E2E_TMP/zip-server.log" 2>&1 &
ZIP_PID=$!
for _ in $(seq 1 50); do curl -sf -o /dev/null "http://127.0.0.1:$ZIP_PORT/bash-buildpack.zip" && break; sleep 0.1; done
out=$(cd "$APPS/bash_hello" && mcf push hello-http -b "http://127.0.0.1:$ZIP_PORT/bash-buildpack.zip" -m 64M 2>&1) ||
  { echo "$out"; fail "push -b http://.../bash-buildpack.zip failed"; }
expect_contains "$out" "Downloading buildpack http://127.0.0.1:$ZIP_PORT/bash-buildpack.zip..." "push -b http zip"
wait_for_body hello-http "Hello from the bash buildpack 1.0"
if out=$(cd "$APPS/bash_hello" && mcf push nope-http -b "http://127.0.0.1:$ZIP_PORT/missing.zip" -m 64M 2>&1); then
  fail "push -b of a missing http zip succeeded"
fi
expect_contains "$out" "Failed to download buildpack http://127.0.0.1:$ZIP_PORT/missing.zip: curl: (22)" "push -b missing http zip"
kill "$ZIP_PID" 2>/dev/null || true
wait "$ZIP_PID" 2>/dev/null || true

# 3. A local git repository at a tag: the tag's content, not the newest commit's.
repo="$E2E_TMP/repo"
cp -r "$E2E_TMP/bp" "$repo"
(cd "$repo" && git -c init.defaultBranch=main init -q && git config user.email e2e@example.com &&
  git config user.name e2e && git add -A && git commit -qm "bash buildpack 1.0" && git tag v1.0 &&
  echo "2.0" > VERSION && git commit -qam "bash buildpack 2.0")
out=$(cd "$APPS/bash_hello" && mcf push hello-git -b "$repo#v1.0" -m 64M 2>&1) ||
  { echo "$out"; fail "push -b repo#v1.0 failed"; }
expect_contains "$out" "Cloning file://$repo at v1.0..." "push -b repo#tag clones it"
wait_for_body hello-git "Hello from the bash buildpack 1.0"
out=$(cd "$APPS/bash_hello" && mcf push hello-git -b "file://$repo#main" -m 64M 2>&1) ||
  { echo "$out"; fail "push -b file://repo#main failed"; }
wait_for_body hello-git "Hello from the bash buildpack 2.0"

# 4. Multi-buildpack: a supply-only custom buildpack adds `greet`, python_buildpack runs the app.
out=$(cd "$APPS/greeter" && mcf push greeter -b "$APPS/greet_buildpack" -b python_buildpack -m 64M 2>&1) ||
  { echo "$out"; fail "push -b greet_buildpack -b python_buildpack failed"; }
expect_contains "$out" "Greet buildpack: supplying greet" "the supply buildpack ran"
wait_for_body greeter "Greetings from the greet buildpack, microcf"
summary=$(mcf app greeter)
expect_contains "$summary" "file://$APPS/greet_buildpack" "the supply buildpack is named by its URL"
expect_contains "$summary" "python_buildpack" "the final buildpack is listed"

# 5. Buildpacks that are not there, each with a clear message; nothing else is disturbed.
if out=$(cd "$APPS/bash_hello" && mcf push nope-app -b ./no-such-buildpack -m 64M 2>&1); then
  fail "push -b with a missing path succeeded"
fi
expect_contains "$out" "no such buildpack folder or zip ($APPS/bash_hello/no-such-buildpack does not exist)" "push -b missing path"
if mcf app nope-app >/dev/null 2>&1; then fail "push -b with a missing path created the app"; fi

if out=$(cd "$APPS/bash_hello" && mcf push nope-url -b file:///no/such/buildpack -m 64M 2>&1); then
  fail "push -b file:///no/such/buildpack succeeded"
fi
expect_contains "$out" "Buildpack 'file:///no/such/buildpack' not found" "push -b missing file:// URL"

if out=$(cd "$APPS/bash_hello" && mcf push nope-ref -b "$repo#no-such-tag" -m 64M 2>&1); then
  fail "push -b repo#no-such-tag succeeded"
fi
expect_contains "$out" "Failed to clone git repository at file://$repo#no-such-tag:" "push -b with a bad ref"
expect_contains "$out" "no-such-tag" "git's reason names the ref"

if out=$(cd "$APPS/bash_hello" && mcf push nope-bp -b "$APPS/bash_hello" -m 64M 2>&1); then
  fail "push -b of a folder that is not a buildpack succeeded"
fi
expect_contains "$out" "file://$APPS/bash_hello is not a buildpack: it has no bin/detect" "push -b of an app folder"

for app in hello-dir hello-zip hello-http hello-git greeter; do
  code=$(curl -s -o /dev/null -w '%{http_code}' "$(app_url $app)")
  [ "$code" = 200 ] || fail "$app answered $code after the failed pushes"
done
echo "ok: custom buildpacks from a folder, a zip and a git repository; multi-buildpack; clear failures"
