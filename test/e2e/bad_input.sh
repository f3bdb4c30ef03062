# Bad input is refused with a clear, Cloud Foundry style error, and the platform keeps serving.
source "$(dirname "$0")/lib.sh"
start_platform
(cd "$EXAMPLES/static" && mcf push >/dev/null) || fail "push static"
W="$E2E_TMP/work"
mkdir -p "$W"

# 1. No buildpack detects the app.
mkdir -p "$W/nothing" && echo "just data" > "$W/nothing/data.bin"
out=$(mcf push nothing -p "$W/nothing" 2>&1) && fail "push of an undetectable app succeeded"
expect_contains "$out" "NoAppDetectedError" "undetectable app"
expect_contains "$out" "staticfile_buildpack: looks for a Staticfile" "the buildpacks tried say what they look for"
expect_contains "$out" "go_buildpack: looks for go.mod, or *.go files" "go_buildpack says what it looks for"
expect_contains "$out" "FAILED" "push says FAILED"

# 1b. A Procfile line that is not TYPE: COMMAND: a staging error naming the line.
mkdir -p "$W/procfile" && cp "$EXAMPLES/python/app.py" "$W/procfile/" && printf 'web: python3 app.py\nworker python3 app.py\n' > "$W/procfile/Procfile"
out=$(mcf push procfile -p "$W/procfile" 2>&1) && fail "push with a broken Procfile succeeded"
expect_contains "$out" "StagingError - Staging error: staging failed: the app's Procfile is not valid: line 2: 'worker python3 app.py' is not 'TYPE: COMMAND'" "broken Procfile"

# 2. A manifest with unknown and wrongly typed fields: every problem, with its line.
mkdir -p "$W/badmanifest" && cp "$EXAMPLES/static/index.html" "$EXAMPLES/static/Staticfile" "$W/badmanifest/"
cat > "$W/badmanifest/manifest.yml" <<'YML'
applications:
- name: badmanifest
  memroy: 64M
  instances: three
  memory: 12
YML
out=$(cd "$W/badmanifest" && mcf push 2>&1) && fail "push with a broken manifest succeeded"
expect_contains "$out" "line 3" "unknown key reported with its line"
expect_contains "$out" "memroy" "unknown key named"
expect_contains "$out" "line 4" "wrong type reported with its line"
expect_contains "$out" "line 5" "bad unit reported with its line"

# 2b. Unknown manifest keys alone are ignored, as Cloud Foundry does, with a warning that
# names the line and the key meant.
mkdir -p "$W/typo" && cp "$EXAMPLES/static/index.html" "$EXAMPLES/static/Staticfile" "$W/typo/"
printf 'applications:\n- name: typo\n  memory: 64M\n  instancs: 1\n' > "$W/typo/manifest.yml"
out=$(cd "$W/typo" && mcf push 2>&1) || fail "push with an unknown manifest key failed: $out"
expect_contains "$out" "line 4: unknown key 'instancs' in application 'typo' ignored; did you mean 'instances'?" "unknown manifest key warned"

# 3. Malicious archives are refused on upload and nothing lands outside the package.
token=$(mcf oauth-token)
space=$(api GET "/v3/spaces" | python3 -c 'import json,sys; print(json.load(sys.stdin)["resources"][0]["guid"])')
app=$(api POST /v3/apps "{\"name\":\"evil\",\"relationships\":{\"space\":{\"data\":{\"guid\":\"$space\"}}}}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["guid"])')
python3 "$(dirname "$0")/make_evil_archives.py" "$W/evil"
for f in dotdot.zip absolute.zip symlink.zip device.tar; do
  pkg=$(api POST /v3/packages "{\"type\":\"bits\",\"relationships\":{\"app\":{\"data\":{\"guid\":\"$app\"}}}}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["guid"])')
  resp=$(curl -s -w '\n%{http_code}' -H "Authorization: $token" -F "bits=@$W/evil/$f" "http://api.localhost:$PORT/v3/packages/$pkg/upload")
  code=$(printf '%s' "$resp" | tail -1)
  [ "$code" = 422 ] || fail "upload of $f answered $code, want 422: $resp"
  expect_contains "$resp" "CF-UnprocessableEntity" "upload of $f"
  state=$(api GET "/v3/packages/$pkg" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')
  [ "$state" = FAILED ] || fail "package of $f is $state, want FAILED"
done
[ ! -e /tmp/microcf-evil-escaped ] || fail "an archive wrote outside the package"
[ -z "$(find "$MICROCF_HOME" -name 'escaped*' 2>/dev/null)" ] || fail "an archive entry escaped inside the data dir"

# 3b. A zip bomb (1.1 GiB of zeros in about 1 MB) and a body over the 1 GiB limit: 413, and
# nothing is extracted.
python3 - "$W/bomb.zip" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    with z.open("zeros.bin", "w", force_zip64=True) as f:
        chunk = bytes(1 << 20)
        for _ in range(1100):
            f.write(chunk)
PY
pkg=$(api POST /v3/packages "{\"type\":\"bits\",\"relationships\":{\"app\":{\"data\":{\"guid\":\"$app\"}}}}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["guid"])')
resp=$(curl -s -w '\n%{http_code}' -H "Authorization: $token" -F "bits=@$W/bomb.zip" "http://api.localhost:$PORT/v3/packages/$pkg/upload")
[ "$(printf '%s' "$resp" | tail -1)" = 413 ] || fail "a zip bomb was not refused with 413: $resp"
expect_contains "$resp" "too large" "the zip bomb's error says why"
[ -z "$(find "$MICROCF_HOME" -name zeros.bin 2>/dev/null)" ] || fail "the zip bomb was extracted"
pkg=$(api POST /v3/packages "{\"type\":\"bits\",\"relationships\":{\"app\":{\"data\":{\"guid\":\"$app\"}}}}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["guid"])')
status=$(python3 - "$PORT" "$pkg" "$token" <<'PY'
import socket, sys
port, pkg, token = sys.argv[1:4]
s = socket.create_connection(("127.0.0.1", int(port)), timeout=10)
s.sendall((f"POST /v3/packages/{pkg}/upload HTTP/1.1\r\nHost: api.localhost\r\nAuthorization: {token}\r\n"
           "Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 2147483648\r\n\r\n").encode())
print(s.recv(4096).decode(errors="replace").split("\r\n")[0])
PY
)
expect_contains "$status" "413" "a body declared over 1 GiB is refused before it is sent"

# 3c. JSON API bodies: at most 1 MiB (413 with a Cloud Foundry error), unknown fields and
# wrong types 422, unknown list parameters 400.
python3 -c 'print("{\"name\":\"" + "x" * 2000000 + "\"}")' > "$W/big.json"
code=$(curl -s -o "$W/body" -w '%{http_code}' -H "Authorization: $token" -H "Content-Type: application/json" --data-binary "@$W/big.json" "http://api.localhost:$PORT/v3/apps")
[ "$code" = 413 ] || fail "a 2 MB JSON body answered $code"
expect_contains "$(cat "$W/body")" '"title":"CF-UnprocessableEntity"' "413 is a CF error"
expect_contains "$(cat "$W/body")" "the limit is 1 MiB for API requests" "413 names the limit"
space=$(api GET "/v3/spaces?names=dev" | python3 -c 'import json,sys; print(json.load(sys.stdin)["resources"][0]["guid"])')
code=$(curl -s -o "$W/body" -w '%{http_code}' -H "Authorization: $token" -H "Content-Type: application/json" -d "{\"name\":\"x\",\"colour\":1,\"relationships\":{\"space\":{\"data\":{\"guid\":\"$space\"}}}}" "http://api.localhost:$PORT/v3/apps")
[ "$code" = 422 ] || fail "an unknown field answered $code"
expect_contains "$(cat "$W/body")" "Unknown field(s): 'colour'" "unknown field named"
code=$(curl -s -o "$W/body" -w '%{http_code}' -H "Authorization: $token" -H "Content-Type: application/json" -d "{\"name\":[1],\"relationships\":{\"space\":{\"data\":{\"guid\":\"$space\"}}}}" "http://api.localhost:$PORT/v3/apps")
[ "$code" = 422 ] || fail "a wrongly typed name answered $code"
expect_contains "$(cat "$W/body")" "Name must be a string" "wrong type named"
code=$(curl -s -o "$W/body" -w '%{http_code}' -H "Authorization: $token" "http://api.localhost:$PORT/v3/apps?nmes=x")
[ "$code" = 400 ] || fail "an unknown query parameter answered $code"
expect_contains "$(cat "$W/body")" "Unknown query parameter(s): 'nmes'. Valid parameters are:" "unknown query parameter"
code=$(curl -s -o "$W/body" -w '%{http_code}' -H "Authorization: $token" "http://api.localhost:$PORT/v3/apps?names=%27%20OR%20%271%27%3D%271")
[ "$code" = 200 ] || fail "SQL metacharacters in a filter answered $code"
expect_contains "$(cat "$W/body")" '"total_results":0' "SQL metacharacters are a plain value"

# 4. An app that exits at once: CRASHED with its exit status and its last lines.
mkdir -p "$W/crasher"
printf '#!/bin/bash\necho "about to fail"\nexit 3\n' > "$W/crasher/run.sh" && chmod +x "$W/crasher/run.sh"
out=$(mcf push crasher -p "$W/crasher" -b binary_buildpack -c ./run.sh 2>&1) && fail "push of a crashing app succeeded"
expect_contains "$out" "rashed" "crash is reported"
expect_contains "$out" "Exited with status 3" "exit status is shown"
expect_contains "$out" "about to fail" "the app's last output is shown"
state=$(mcf app crasher 2>&1 || true)
expect_contains "$state" "crashed" "microcf app shows the crash"

# 5. Unknown app names.
out=$(mcf app no-such-app 2>&1) && fail "app of an unknown name succeeded"
expect_contains "$out" "App 'no-such-app' not found" "unknown app"
out=$(mcf delete no-such-app -f 2>&1) || true
expect_contains "$out" "no-such-app" "delete of an unknown app names it"

# 6. Missing and forged tokens.
code=$(curl -s -o "$W/body" -w '%{http_code}' "http://api.localhost:$PORT/v3/apps")
[ "$code" = 401 ] || fail "no token answered $code"
expect_contains "$(cat "$W/body")" "CF-NotAuthenticated" "no token"
forged="eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyX25hbWUiOiJhZG1pbiIsImV4cCI6OTk5OTk5OTk5OX0.c2lnbmF0dXJl"
code=$(curl -s -o "$W/body" -w '%{http_code}' -H "Authorization: bearer $forged" "http://api.localhost:$PORT/v3/apps")
[ "$code" = 401 ] || fail "forged token answered $code"
expect_contains "$(cat "$W/body")" "CF-InvalidAuthToken" "forged token"

# 7. A second microcf on the same data dir is refused.
out=$("$MICROCF" up --port "$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')" 2>&1) && fail "a second up on the same data dir started"
expect_contains "$out" "already running" "second up"

# 8. Wrong flags.
out=$(mcf push --no-such-flag 2>&1) && fail "an unknown flag was accepted"

# 9. Limits below what a container can run with, and a command the container does not have.
mkdir -p "$W/tiny" && echo hi > "$W/tiny/index.html"
out=$(cd "$W/tiny" && mcf push tiny -b staticfile_buildpack -m 4M 2>&1) && fail "a 4M app started"
expect_contains "$out" "memory limit 4M is below the minimum of 8M" "memory below the minimum"
out=$(cd "$W/tiny" && mcf push nocmd -b binary_buildpack -c /no/such/program 2>&1) && fail "a missing command started"
expect_contains "$(mcf logs nocmd --recent)" "no/such/program" "a command that does not exist"

# 10. A .cfignore that excludes every file, and an empty folder.
mkdir -p "$W/ignored" "$W/empty" && echo hi > "$W/ignored/index.html" && printf '*\n' > "$W/ignored/.cfignore"
out=$(mcf push ignored -p "$W/ignored" -b staticfile_buildpack 2>&1) && fail "a push with every file ignored succeeded"
expect_contains "$out" "Uploading the app's files failed: No app files found in '$W/ignored': the folder is empty or .cfignore excludes every file in it" ".cfignore that excludes everything"
out=$(mcf push empty -p "$W/empty" -b staticfile_buildpack 2>&1) && fail "a push of an empty folder succeeded"
expect_contains "$out" "No app files found in '$W/empty': the folder is empty." "an empty folder"

# Through all of it the platform kept serving.
wait_for_body static "Hello from microcf static" 5
kill -0 "$UP_PID" || fail "microcf died"
echo "ok: bad input refused, platform still serving"
