# What the stock cf CLI does at `cf api http://localhost:PORT`, `cf login` and `cf auth`, done
# with curl: discovery links on the address the client used, UAA's login and token endpoints
# (password, refresh_token, client_credentials), a token on /v3, and the login lockout.
source "$(dirname "$0")/lib.sh"
start_platform

BASE="http://localhost:$PORT"
jget() { python3 -c 'import json,sys; d=json.load(sys.stdin); exec("for k in sys.argv[1:]: d=d[int(k)] if isinstance(d,list) else d[k]"); print(d if not isinstance(d,(dict,list)) else json.dumps(d))' "$@"; }
ADMIN_PASSWORD=$(jget password < "$MICROCF_HOME/admin-credentials")

# Discovery: every link on localhost:PORT, none on api.localhost (no DNS needed).
root=$(curl -s "$BASE/")
for link in self cloud_controller_v3 login uaa log_cache; do
  href=$(printf '%s' "$root" | jget links "$link" href)
  case "$href" in
    "$BASE"|"$BASE/v3") ;;
    *) fail "GET / link $link is '$href', not on $BASE" ;;
  esac
done
v3=$(curl -s "$BASE/v3")
[ "$(printf '%s' "$v3" | jget links apps href)" = "$BASE/v3/apps" ] || fail "GET /v3 links: $v3"
expect_contains "$v3" "\"service_instances\"" "GET /v3 lists service_instances"
# A foreign Host header gets the configured API URL, never itself.
evil=$(curl -s -H "Host: localhost:$PORT" -H "X-Forwarded-Proto: https" "$BASE/" | jget links login href)
[ "$evil" = "$BASE" ] || fail "a client's X-Forwarded-Proto was trusted: $evil"

# The login server: exactly username and password prompts.
login=$(curl -s "$BASE/login")
prompts=$(printf '%s' "$login" | python3 -c 'import json,sys; print(",".join(sorted(json.load(sys.stdin)["prompts"])))')
[ "$prompts" = "password,username" ] || fail "GET /login prompts: $prompts"
[ "$(printf '%s' "$login" | jget links login)" = "$BASE" ] || fail "GET /login links: $login"

# Password grant as the cf CLI sends it (client cf, empty secret), then refresh.
grant=$(curl -s -u 'cf:' -d grant_type=password -d username=admin --data-urlencode "password=$ADMIN_PASSWORD" "$BASE/oauth/token")
access=$(printf '%s' "$grant" | jget access_token) || fail "password grant: $grant"
refresh=$(printf '%s' "$grant" | jget refresh_token)
orgs=$(curl -s -H "Authorization: bearer $access" "$BASE/v3/organizations")
[ "$(printf '%s' "$orgs" | jget resources 0 name)" = microcf ] || fail "GET /v3/organizations: $orgs"
expect_contains "$(printf '%s' "$orgs" | jget pagination first href)" "$BASE/v3/organizations" "pagination links on $BASE"
again=$(curl -s -u 'cf:' -d grant_type=refresh_token -d "refresh_token=$refresh" "$BASE/oauth/token")
printf '%s' "$again" | jget access_token >/dev/null || fail "refresh grant: $again"
code=$(curl -s -o /dev/null -w '%{http_code}' -d grant_type=password -d username=admin -d password=x "$BASE/oauth/token")
[ "$code" = 401 ] || fail "a token request without client authentication answered $code"
missing=$(curl -s -w ' %{http_code}' -u 'cf:' -d grant_type=password -d username=admin "$BASE/oauth/token")
expect_contains "$missing" "invalid_request" "missing password"
expect_contains "$missing" " 400" "missing password is a 400"

# client_credentials: a client made with the CLI, its token on the API, cf auth's way.
out=$(mcf create-client deployer --secret s3cret --authorities cloud_controller.admin 2>&1) || fail "create-client: $out"
expect_contains "$out" "OK" "create-client"
cgrant=$(curl -s -u 'deployer:s3cret' -d grant_type=client_credentials "$BASE/oauth/token")
ctoken=$(printf '%s' "$cgrant" | jget access_token) || fail "client_credentials grant: $cgrant"
[ "$(curl -s -H "Authorization: bearer $ctoken" "$BASE/v3/organizations" | jget resources 0 name)" = microcf ] ||
  fail "a client token on /v3/organizations"
bad=$(curl -s -w ' %{http_code}' -u 'deployer:wrong' -d grant_type=client_credentials "$BASE/oauth/token")
expect_contains "$bad" " 401" "a wrong client secret"
out=$(mcf auth deployer s3cret --client-credentials 2>&1) || fail "auth --client-credentials: $out"
expect_contains "$out" "OK" "auth --client-credentials"
expect_contains "$(mcf target 2>&1)" "deployer" "target names the client"
out=$(mcf auth admin "$ADMIN_PASSWORD" 2>&1) || fail "auth USER PASSWORD: $out"
expect_contains "$(mcf target 2>&1)" "admin" "target names the user after auth"

# Lockout: five wrong passwords, then the sixth attempt is locked, even with the right one.
for i in 1 2 3 4 5; do
  r=$(curl -s -w ' %{http_code}' -u 'cf:' -d grant_type=password -d username=admin -d password=wrong "$BASE/oauth/token")
  expect_contains "$r" "Bad credentials" "wrong password $i"
done
r=$(curl -s -w ' %{http_code}' -u 'cf:' -d grant_type=password -d username=admin -d password=wrong "$BASE/oauth/token")
expect_contains "$r" "Your account has been locked because of too many failed attempts to login." "6th wrong password"
expect_contains "$r" " 401" "6th wrong password is a 401"
r=$(curl -s -w ' %{http_code}' -u 'cf:' -d grant_type=password -d username=admin --data-urlencode "password=$ADMIN_PASSWORD" "$BASE/oauth/token")
expect_contains "$r" "locked" "the right password while locked"
out=$(mcf auth admin "$ADMIN_PASSWORD" 2>&1) && fail "auth while locked succeeded: $out"
expect_contains "$out" "locked" "the CLI says the account is locked"

echo "PASS api_discovery"
