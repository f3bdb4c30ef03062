# Every example app pushes with its manifest and serves its page through the router.
source "$(dirname "$0")/lib.sh"
start_platform

for app in static node python binary java; do
  out=$(cd "$EXAMPLES/$app" && mcf push 2>&1) || { echo "$out"; fail "push of examples/$app failed"; }
  expect_contains "$out" "http://$app.localhost:$PORT" "push $app prints the route"
  expect_contains "$out" "running" "push $app shows a running instance"
  grep -Eq "^Push took [0-9.]+m?s: package [0-9.]+m?s, upload [0-9.]+m?s \([0-9.]+[BKMG]? sent\), stage [0-9.]+m?s, start [0-9.]+m?s, route ready [0-9.]+m?s$" <<< "$out" ||
    fail "push $app prints no phase timings: $(grep -i 'push took' <<< "$out")"
  body=$(curl -s --max-time 5 "$(app_url $app)")
  expect_contains "$body" "Hello from microcf $app" "GET / of $app"
done

# examples/java is pushed as its jar (path: hello.jar), which the upload unpacks: the buildpack
# runs its Main-Class with JAVA_OPTS sized from the 256M memory limit (heap 75%).
logs=$(mcf logs java --recent)
expect_contains "$logs" "Java Buildpack version" "java staging log"
expect_contains "$logs" "listening on port" "java app log"
grep -Eq "with max heap 1[6-9][0-9]M" <<< "$logs" || fail "java heap is not ~75% of 256M: $(grep 'max heap' <<< "$logs")"

# examples/go builds with the stack's go; a stack without go fails staging saying what to do.
if command -v go >/dev/null; then
  out=$(cd "$EXAMPLES/go" && mcf push 2>&1) || { echo "$out"; fail "push of examples/go failed"; }
  wait_for_body go "Hello from microcf go"
else
  out=$(cd "$EXAMPLES/go" && mcf push 2>&1) && fail "push of examples/go succeeded on a stack without go"
  expect_contains "$out" "BuildpackCompileFailed" "go push without go names the error"
  expect_contains "$out" "This app needs Go to build, and the stack 'host' has no go command. Install Go on the stack (apt-get install golang-go) or push a prebuilt binary with -b binary_buildpack -c ./app" "go push without go says what to do"
  expect_contains "$out" "FAILED" "go push without go says FAILED"
fi

apps=$(mcf apps)
for app in static node python binary java; do expect_contains "$apps" "$app" "microcf apps lists $app"; done
# Pushed again unchanged: the droplet is reused, staging skipped, and the site still served.
out=$(cd "$EXAMPLES/static" && mcf push 2>&1) || { echo "$out"; fail "second push of examples/static failed"; }
expect_contains "$out" "Staging skipped: the app's files, buildpacks, stack and environment are those droplet" "an unchanged push reuses the droplet"
wait_for_body static "Hello from microcf static"
# The static site is sent gzipped to a client that asks for it, and plain to one that does not.
hdrs=$(curl -s -D - -o "$E2E_TMP/static.gz" -H 'Accept-Encoding: gzip' "$(app_url static)")
expect_contains "$hdrs" "Content-Encoding: gzip" "static answers gzip when accepted"
expect_contains "$(gzip -dc < "$E2E_TMP/static.gz")" "Hello from microcf static" "the gzipped page"
plain=$(curl -s -D - "$(app_url static)")
[[ "$plain" != *"Content-Encoding"* ]] || fail "static sent gzip to a client that did not ask"
expect_contains "$plain" "Hello from microcf static" "the plain page"
expect_contains "$(mcf app node)" "#0" "microcf app node shows instance 0"

# The router answers unknown hosts as Gorouter does.
hdrs=$(curl -s -i "$(app_url nosuchapp)" | tr -d '\r' | tr 'A-Z' 'a-z')
expect_contains "$hdrs" "404" "unknown route status"
expect_contains "$hdrs" "x-cf-routererror: unknown_route" "unknown route header"
expect_contains "$hdrs" "requested route ('nosuchapp.localhost') does not exist." "unknown route body"
echo "ok: all examples pushed and served"
