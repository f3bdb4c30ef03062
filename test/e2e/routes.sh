# Routes and domains as a cf user drives them: a private domain, routes with paths and options,
# map/unmap through the router, the routes and domains tables, manifest routes with options,
# and bad input answered with a message and a nonzero exit.
source "$(dirname "$0")/lib.sh"
start_platform --ssh-port 0

CRASHY="$MICROCF_SOURCE/test/e2e/apps/crashy"
(cd "$CRASHY" && mcf push >/dev/null) || fail "push crashy"
wait_for_body crashy "crashy"

# via HOST PATH: the answer through the router for that Host header, with its headers.
via() { curl -s -i --max-time 5 -H "Host: $1" "http://127.0.0.1:$PORT${2:-/}" | tr -d '\r' | tr 'A-Z' 'a-z'; }
route_json() {  # route_json HOST: the route's JSON (first match)
  api GET "/v3/routes?hosts=$1" | python3 -c 'import json,sys; r=json.load(sys.stdin)["resources"]; print(json.dumps(r[0]) if r else "")'
}

# A private domain of the org.
out=$(mcf create-domain example.test 2>&1) || { echo "$out"; fail "create-domain"; }
expect_contains "$out" "Creating private domain example.test for org microcf as admin..." "create-domain says what it does"
expect_contains "$out" "OK" "create-domain OK"
out=$(mcf domains 2>&1) || fail "domains"
expect_contains "$out" "Getting domains in org microcf as admin..." "domains header"
printf '%s\n' "$out" | grep -Eq '^localhost +shared +http$' || { echo "$out"; fail "domains lists localhost as shared"; }
printf '%s\n' "$out" | grep -Eq '^example.test +private +http$' || { echo "$out"; fail "domains lists example.test as private"; }
if out=$(mcf create-domain example.test 2>&1); then fail "creating example.test twice succeeded"; fi
expect_contains "$out" 'The domain name "example.test" is already in use' "a taken domain name"
if out=$(mcf create-domain nodots 2>&1); then fail "create-domain nodots succeeded"; fi
expect_contains "$out" 'Name must contain at least one "."' "an invalid domain name"

# create-route with a path and an option; check-route; routes.
out=$(mcf create-route example.test --hostname shop --path /cart --option loadbalancing=least-connection 2>&1) ||
  { echo "$out"; fail "create-route"; }
expect_contains "$out" "Creating route shop.example.test/cart for org microcf / space dev as admin..." "create-route header"
expect_contains "$out" "OK" "create-route OK"
expect_contains "$(route_json shop)" '"loadbalancing": "least-connection"' "the route's options in the API"
out=$(mcf create-route example.test --hostname shop --path /cart 2>&1) || fail "create-route of an existing route fails"
expect_contains "$out" "Route with host 'shop', domain 'example.test', and path '/cart' already exists." "an existing route"
out=$(mcf check-route example.test --hostname shop --path /cart 2>&1) || fail "check-route"
expect_contains "$out" "Route 'shop.example.test/cart' does exist." "check-route finds it"
out=$(mcf check-route example.test --hostname nope 2>&1) || fail "check-route of a missing route"
expect_contains "$out" "Route 'nope.example.test' does not exist." "check-route misses it"

# Unmapped: the router does not know it.
expect_contains "$(via shop.example.test /cart)" "x-cf-routererror: unknown_route" "an unmapped route is unknown to the router"

# map-route: requests reach the app through the host and path, not beside the path.
out=$(mcf map-route crashy example.test --hostname shop --path /cart 2>&1) || { echo "$out"; fail "map-route"; }
expect_contains "$out" "Mapping route shop.example.test/cart to app crashy in org microcf / space dev as admin..." "map-route header"
expect_contains "$(via shop.example.test /cart)" "crashy" "the app answers on shop.example.test/cart"
expect_contains "$(via shop.example.test /cart/items)" "crashy" "and below the path"
expect_contains "$(via shop.example.test /other)" "unknown_route" "but not on another path"
out=$(mcf map-route crashy example.test --hostname shop --path /cart 2>&1) || fail "map-route again"
expect_contains "$out" "App 'crashy' is already mapped to route 'shop.example.test/cart'. Nothing has been updated." "map-route again"
# map-route creates a route that does not exist yet (here without a host: a private domain allows it).
out=$(mcf map-route crashy example.test 2>&1) || { echo "$out"; fail "map-route of the bare domain"; }
expect_contains "$out" "Creating route example.test for org microcf / space dev as admin..." "map-route creates the route"
expect_contains "$(via example.test /)" "crashy" "the app answers on the bare private domain"

out=$(mcf routes 2>&1) || fail "routes"
expect_contains "$out" "Getting routes for org microcf / space dev as admin..." "routes header"
expect_contains "$out" "space   host     domain         port   path    protocol   app-protocol   apps     service instance" "routes columns"
printf '%s\n' "$out" | grep -Eq '^dev +shop +example.test +/cart +http +http1 +crashy$' || { echo "$out"; fail "routes lists shop.example.test/cart"; }
printf '%s\n' "$out" | grep -Eq '^dev +crashy +localhost +http +http1 +crashy$' || { echo "$out"; fail "routes lists crashy.localhost"; }

# update-route: the option changes at once (API and router keep serving).
out=$(mcf update-route example.test --hostname shop --path /cart --option loadbalancing=round-robin 2>&1) ||
  { echo "$out"; fail "update-route"; }
expect_contains "$out" "Updating route shop.example.test/cart for org microcf / space dev as admin..." "update-route header"
expect_contains "$out" "loadbalancing=round-robin" "update-route shows the options"
expect_contains "$(route_json shop)" '"loadbalancing": "round-robin"' "the changed option in the API"
expect_contains "$(via shop.example.test /cart)" "crashy" "the route still serves after the change"
out=$(mcf update-route example.test --hostname shop --path /cart --remove-option loadbalancing 2>&1) || fail "update-route --remove-option"
expect_contains "$out" "options:   none" "the option is gone"
if out=$(mcf update-route example.test --hostname shop --path /cart --option loadbalancing=fastest 2>&1); then
  fail "update-route with a bad value succeeded"
fi
expect_contains "$out" "Options Loadbalancing must be one of 'round-robin, least-connection' if present" "a bad option value"
expect_contains "$out" "FAILED" "a bad option value fails"

# unmap-route: the router answers unknown_route afterwards.
out=$(mcf unmap-route crashy example.test --hostname shop --path /cart 2>&1) || { echo "$out"; fail "unmap-route"; }
expect_contains "$out" "Removing route shop.example.test/cart from app crashy in org microcf / space dev as admin..." "unmap-route header"
hdrs=$(via shop.example.test /cart)
expect_contains "$hdrs" "404" "unmapped route status"
expect_contains "$hdrs" "x-cf-routererror: unknown_route" "unmapped route header"
out=$(mcf unmap-route crashy example.test --hostname shop --path /cart 2>&1) || fail "unmap-route again"
expect_contains "$out" "Route to be unmapped is not currently mapped to the application." "unmap-route again"

# delete-route: refuses to ask without a terminal, deletes with -f.
if out=$(mcf delete-route example.test --hostname shop --path /cart </dev/null 2>&1); then fail "delete-route without -f or a terminal succeeded"; fi
expect_contains "$out" "there is no terminal to confirm on" "delete-route without -f"
out=$(mcf delete-route example.test --hostname shop --path /cart -f 2>&1) || { echo "$out"; fail "delete-route"; }
expect_contains "$out" "Deleting route shop.example.test/cart..." "delete-route header"
out=$(mcf check-route example.test --hostname shop --path /cart 2>&1) || fail "check-route after delete"
expect_contains "$out" "does not exist" "the deleted route is gone"
out=$(mcf delete-route example.test --hostname shop --path /cart -f 2>&1) || fail "delete-route of a missing route"
expect_contains "$out" "Unable to delete. Route with host 'shop', domain 'example.test', and path '/cart' not found." "delete-route of a missing route"

# Bad input: a nonzero exit and a message saying what is wrong.
if out=$(mcf create-route nosuch.test --hostname x 2>&1); then fail "create-route in an unknown domain succeeded"; fi
expect_contains "$out" "Domain 'nosuch.test' not found." "unknown domain"
if out=$(mcf create-route example.test --hostname Bad_Host 2>&1); then fail "create-route with a bad host succeeded"; fi
expect_contains "$out" "Host 'bad_host' is not valid" "bad host"
if out=$(mcf create-route localhost 2>&1); then fail "create-route without a host in a shared domain succeeded"; fi
expect_contains "$out" "Missing host. Routes in shared domains must have a host defined." "missing host"
if out=$(mcf create-route example.test --hostname x --path '/a?b' 2>&1); then fail "create-route with a bad path succeeded"; fi
expect_contains "$out" "is not valid" "bad path"
if out=$(mcf map-route nosuchapp example.test --hostname x 2>&1); then fail "map-route of an unknown app succeeded"; fi
expect_contains "$out" "App 'nosuchapp' not found." "unknown app"
if out=$(mcf create-route example.test --hostname x --option colour=red 2>&1); then fail "an unknown option succeeded"; fi
expect_contains "$out" "Option 'colour' is not supported" "unknown option"

# Manifest routes with options, in the private domain.
MDIR="$E2E_TMP/manifest-app"
mkdir -p "$MDIR"
cp "$CRASHY/server.py" "$MDIR/"
cat > "$MDIR/manifest.yml" <<'YAML'
applications:
- name: shopfront
  memory: 64M
  buildpacks: [binary_buildpack]
  command: python3 server.py
  routes:
  - route: front.example.test/api
    options:
      loadbalancing: least-connection
YAML
(cd "$MDIR" && mcf push >/dev/null 2>&1) || fail "push with manifest routes and options"
expect_contains "$(via front.example.test /api)" "crashy" "the manifest's route serves"
expect_contains "$(route_json front)" '"loadbalancing": "least-connection"' "the manifest's route option"
cat > "$MDIR/manifest.yml" <<'YAML'
applications:
- name: shopfront
  routes:
  - route: front.example.test/api
    options:
      loadbalancing: fastest
YAML
if out=$(cd "$MDIR" && mcf push 2>&1); then fail "push with a bad route option succeeded"; fi
expect_contains "$out" "line 6: route option 'loadbalancing' must be round-robin or least-connection, got 'fastest'" "manifest option error"

# delete-domain removes its routes; the router forgets them.
if out=$(mcf delete-domain example.test </dev/null 2>&1); then fail "delete-domain without -f or a terminal succeeded"; fi
out=$(mcf delete-domain example.test -f 2>&1) || { echo "$out"; fail "delete-domain"; }
expect_contains "$out" "Deleting domain example.test as admin..." "delete-domain header"
expect_contains "$(via front.example.test /api)" "unknown_route" "the deleted domain's routes are gone from the router"
out=$(mcf domains 2>&1)
case "$out" in *example.test*) fail "domains still lists example.test";; esac
if out=$(mcf delete-domain localhost -f 2>&1); then fail "delete-domain of the shared domain succeeded"; fi
expect_contains "$out" "Domain 'localhost' is a shared domain, not a private domain." "shared domain refused"
expect_contains "$(via crashy.localhost /)" "crashy" "the app still serves on its default route"
echo "ok: routes and domains"
