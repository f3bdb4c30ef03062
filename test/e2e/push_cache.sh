# Resource matching: an unchanged second push sends no bits and skips staging; with one file
# changed only that file travels, the app is restaged and serves the new text; another app
# with the same files sends nothing either.
source "$(dirname "$0")/lib.sh"
start_platform

app_dir="$E2E_TMP/static"
cp -r "$EXAMPLES/static" "$app_dir"
push() { (cd "$app_dir" && mcf push "$@" 2>&1); }
sent() {  # the bytes a push says it sent: "upload 5ms (1.2K sent)" → 1.2K
  sed -nE 's/^Push took .*\(([^ ]+) sent\).*/\1/p' <<< "$1"
}

out=$(push) || { echo "$out"; fail "first push failed"; }
wait_for_body static "Hello from microcf static"
[ "$(sent "$out")" != 0B ] || fail "the first push sent nothing: $(grep 'Push took' <<< "$out")"

out=$(push) || { echo "$out"; fail "unchanged push failed"; }
expect_contains "$out" "all already on the platform, none uploaded" "an unchanged push matches every file"
[ "$(sent "$out")" = 0B ] || fail "an unchanged push sent $(sent "$out"), expected 0B: $(grep 'Push took' <<< "$out")"
expect_contains "$out" "Staging skipped" "an unchanged push reuses the droplet"
wait_for_body static "Hello from microcf static"

sed -i 's/Hello from microcf static/Hello again from microcf static/' "$app_dir/index.html"
out=$(push) || { echo "$out"; fail "push with index.html changed failed"; }
expect_contains "$out" "already on the platform, 1 uploaded" "only the changed file is uploaded"
bytes=$(sent "$out")
# One file of under 400 bytes, zipped (its entry, the central directory and the end record): not
# 0, and well under what the three files take.
[[ "$bytes" =~ ^[0-9]+B$ ]] && [ "${bytes%B}" -gt 0 ] && [ "${bytes%B}" -lt 900 ] ||
  fail "the push of one changed file sent $bytes: $(grep 'Push took' <<< "$out")"
[[ "$out" != *"Staging skipped"* ]] || fail "a changed app was not restaged"
wait_for_body static "Hello again from microcf static"

# A damaged cache entry (same size, other bytes, as a crash may leave one) is caught when the
# upload uses it: the push says so, sends every file instead, and the app keeps its content.
sha=$(sha1sum "$app_dir/index.html" | cut -d' ' -f1)
entry="$MICROCF_HOME/resources/${sha:0:2}/$sha"
[ -f "$entry" ] || fail "index.html is not in the resource pool at $entry"
tr 'a-z' 'A-Z' < "$entry" > "$E2E_TMP/damaged" && cat "$E2E_TMP/damaged" > "$entry"
out=$(push) || { echo "$out"; fail "push over a damaged cache entry failed"; }
expect_contains "$out" "is no longer cached" "a damaged cache entry is reported"
expect_contains "$out" "Uploading all files" "the push falls back to sending every file"
[ "$(sent "$out")" != 0B ] || fail "the fallback upload sent nothing"
wait_for_body static "Hello again from microcf static"
[ "$(sha1sum < "$entry" | cut -d' ' -f1)" = "$sha" ] || fail "the damaged entry was not replaced"
out=$(push) || { echo "$out"; fail "push after the repaired entry failed"; }
[ "$(sent "$out")" = 0B ] || fail "after the repair an unchanged push sent $(sent "$out")"

# Another app with the same files: the pool is the platform's, so nothing travels.
printf 'applications:\n- name: twin\n  memory: 64M\n  path: %s\n' "$app_dir" > "$E2E_TMP/twin.yml"
out=$(mcf push -f "$E2E_TMP/twin.yml" 2>&1) ||
  { echo "$out"; fail "push of a second app with the same files failed"; }
[ "$(sent "$out")" = 0B ] || fail "a second app with the same files sent $(sent "$out")"
wait_for_body twin "Hello again from microcf static"
echo "ok: unchanged pushes send nothing, changed ones only what changed"
