# Admin buildpacks as an admin drives them: create one from a folder, push an app only it
# detects (served through the router), move it, disable it (the push fails naming the
# buildpacks tried), delete it; bad input answered with a message and a nonzero exit.
source "$(dirname "$0")/lib.sh"
start_platform --ssh-port 0

W="$E2E_TMP/work"
mkdir -p "$W/marker_bp/bin" "$W/app"
# A classic buildpack: detects the MARKER file, serves the app folder with python3.
cat > "$W/marker_bp/bin/detect" <<'SH'
#!/bin/bash
[ -f "$1/MARKER" ] && echo marker && exit 0
exit 1
SH
cat > "$W/marker_bp/bin/compile" <<'SH'
#!/bin/bash
echo "-----> marker buildpack compiling"
SH
cat > "$W/marker_bp/bin/release" <<'SH'
#!/bin/bash
echo "---"
echo "default_process_types:"
echo '  web: python3 -m http.server $PORT'
SH
chmod +x "$W/marker_bp/bin/"*
echo "marked" > "$W/app/MARKER"
echo "served by the marker buildpack" > "$W/app/index.html"

out=$(mcf buildpacks 2>&1) || { echo "$out"; fail "buildpacks"; }
expect_contains "$out" "Getting buildpacks as admin..." "buildpacks header"
printf '%s\n' "$out" | grep -Eq '^1 +staticfile_buildpack +true +false +READY' ||
  { echo "$out"; fail "the shipped staticfile_buildpack is first"; }

# create-buildpack from a folder, at a position past the end (= last).
out=$(mcf create-buildpack marker_bp "$W/marker_bp" 99 2>&1) || { echo "$out"; fail "create-buildpack"; }
expect_contains "$out" "Creating buildpack marker_bp as admin..." "create-buildpack header"
expect_contains "$out" "Uploading buildpack marker_bp as admin..." "create-buildpack uploads"
expect_contains "$out" "Done uploading" "create-buildpack done"
out=$(mcf buildpacks 2>&1) || fail "buildpacks after create"
last=$(printf '%s\n' "$out" | grep -E '^[0-9]+ ' | tail -1)
printf '%s\n' "$last" | grep -Eq '^[0-9]+ +marker_bp +true +false +READY +marker_bp.zip$' ||
  { echo "$out"; fail "marker_bp is last, enabled, READY, from marker_bp.zip"; }
if out=$(mcf create-buildpack marker_bp "$W/marker_bp" 1 2>&1); then fail "a second marker_bp was created"; fi
expect_contains "$out" "Buildpack with name 'marker_bp' and an unassigned stack already exists" "a taken name"
if out=$(mcf create-buildpack other_bp "$W/app" 1 2>&1); then fail "a folder without bin/ became a buildpack"; fi
expect_contains "$out" "is not a buildpack" "a folder without bin/detect"
mcf buildpacks 2>&1 | grep -q other_bp && fail "the refused buildpack was left behind"

# An app only marker_bp detects: detection in admin order finds it.
out=$(mcf push marked -p "$W/app" 2>&1) || { echo "$out"; fail "push of the marked app"; }
wait_for_body marked "served by the marker buildpack"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$(app_url marked)")
[ "$code" = 200 ] || fail "the marked app answered $code through the router"

# Move it first.
out=$(mcf update-buildpack marker_bp -i 1 2>&1) || { echo "$out"; fail "update-buildpack -i 1"; }
expect_contains "$out" "Updating buildpack marker_bp as admin..." "update-buildpack header"
mcf buildpacks 2>&1 | grep -Eq '^1 +marker_bp +' || fail "marker_bp is at position 1"
mcf buildpacks 2>&1 | grep -Eq '^2 +staticfile_buildpack +' || fail "staticfile_buildpack moved to 2"

# Disabled: detection skips it, and asking for it by name is refused.
out=$(mcf update-buildpack marker_bp --disable 2>&1) || { echo "$out"; fail "update-buildpack --disable"; }
mcf buildpacks 2>&1 | grep -Eq '^1 +marker_bp +false +' || fail "marker_bp is disabled"
out=$(mcf push marked2 -p "$W/app" 2>&1) && fail "push with marker_bp disabled succeeded"
expect_contains "$out" "NoAppDetectedError" "disabled buildpack: no app detected"
expect_contains "$out" "staticfile_buildpack" "the buildpacks tried are named"
case "$out" in *"tried: marker_bp"*|*", marker_bp"*) fail "the disabled marker_bp was tried: $out" ;; esac
out=$(mcf push marked3 -p "$W/app" -b marker_bp 2>&1) && fail "push -b of a disabled buildpack succeeded"
expect_contains "$out" "Buildpack 'marker_bp' is disabled" "a disabled buildpack asked for by name"

# Locked: no new bits.
mcf update-buildpack marker_bp --enable --lock >/dev/null 2>&1 || fail "update-buildpack --lock"
if out=$(mcf update-buildpack marker_bp -p "$W/marker_bp" 2>&1); then fail "a locked buildpack took new bits"; fi
expect_contains "$out" "Buildpack is locked" "locked buildpack"
mcf update-buildpack marker_bp --unlock --rename marker2_bp >/dev/null 2>&1 || fail "unlock and rename"
mcf buildpacks 2>&1 | grep -Eq '^1 +marker2_bp +true +false +' || fail "renamed, enabled, unlocked"

# delete-buildpack: no terminal without -f is refused; -f deletes.
if out=$(mcf delete-buildpack marker2_bp </dev/null 2>&1); then fail "delete-buildpack without -f and no terminal succeeded"; fi
expect_contains "$out" "Use 'microcf delete-buildpack marker2_bp -f'" "delete without a terminal"
out=$(mcf delete-buildpack marker2_bp -f 2>&1) || { echo "$out"; fail "delete-buildpack -f"; }
expect_contains "$out" "Deleting buildpack marker2_bp as admin..." "delete-buildpack header"
mcf buildpacks 2>&1 | grep -q marker2_bp && fail "marker2_bp still listed after delete"
mcf buildpacks 2>&1 | grep -Eq '^1 +staticfile_buildpack +' || fail "staticfile_buildpack back at 1"
out=$(mcf delete-buildpack marker2_bp -f 2>&1) || fail "deleting a missing buildpack"
expect_contains "$out" "Buildpack 'marker2_bp' does not exist." "a missing buildpack"

# A restart keeps the table (shipped ones are not seeded twice).
stop_platform
start_platform --ssh-port 0
n=$(mcf buildpacks 2>&1 | grep -c '^[0-9]* *staticfile_buildpack ' || true)
[ "$n" = 1 ] || fail "staticfile_buildpack listed $n times after a restart"
echo "PASS admin_buildpacks"
