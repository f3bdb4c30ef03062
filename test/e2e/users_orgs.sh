# Users, orgs, spaces and roles through the CLI: the admin makes a user, an org and a space,
# gives roles; the user can log in; org-users/space-users list them; deleting the space takes
# its pushed app down; deleting the user ends its logins.
source "$(dirname "$0")/lib.sh"
start_platform

out=$(mcf create-user alice 's3cret pw' 2>&1) || fail "create-user: $out"
expect_contains "$out" "Creating user alice..." "create-user says what it does"
expect_contains "$out" "OK" "create-user succeeds"
out=$(mcf create-user alice other 2>&1) || fail "create-user again: $out"
expect_contains "$out" "User 'alice' already exists." "a second create-user is a warning"

out=$(mcf create-org acme 2>&1) || fail "create-org: $out"
expect_contains "$out" "Assigning role OrgManager to user admin in org acme" "create-org gives the creator OrgManager"
out=$(mcf create-space web -o acme 2>&1) || fail "create-space: $out"
expect_contains "$out" "Creating space web in org acme as admin..." "create-space says what it does"
expect_contains "$out" "Assigning role SpaceDeveloper to user admin in org acme / space web" "create-space gives the creator SpaceDeveloper"
expect_contains "$(mcf orgs)" "acme" "orgs lists the new org"

mcf set-org-role alice acme OrgAuditor >/dev/null || fail "set-org-role"
out=$(mcf set-space-role alice acme web SpaceDeveloper 2>&1) || fail "set-space-role: $out"
expect_contains "$out" "Assigning role SpaceDeveloper to user alice in org acme / space web as admin..." "set-space-role says what it does"
out=$(mcf set-org-role alice acme Wizard 2>&1) && fail "set-org-role accepted an unknown role"
expect_contains "$out" "ROLE must be one of" "an unknown role is named"

out=$(mcf org-users acme)
expect_contains "$out" "ORG MANAGER
  admin (uaa)" "org-users shows the org manager"
expect_contains "$out" "ORG AUDITOR
  alice (uaa)" "org-users shows the org auditor"
expect_contains "$out" "BILLING MANAGER
  No BILLING MANAGER found" "org-users shows empty roles"
out=$(mcf space-users acme web)
expect_contains "$out" "SPACE DEVELOPER
  admin (uaa)
  alice (uaa)" "space-users shows the developers"
expect_contains "$out" "SPACE MANAGER
  admin (uaa)" "space-users shows the manager"

# The new user logs in (in a home of its own, so the admin's session stays).
out=$(MICROCF_HOME="$E2E_TMP/alice" "$MICROCF" login -a "http://api.localhost:$PORT" -u alice -p 's3cret pw' 2>&1) ||
  fail "login as alice: $out"
printf '%s\n' "$out" | grep -Eq '^user: +alice$' || fail "login as the new user: $out"

# A pushed app goes with its space.
mcf target -o acme -s web >/dev/null || fail "target acme/web"
(cd "$EXAMPLES/node" && mcf push >/dev/null) || fail "push node into acme/web"
wait_for_body node "Hello from microcf node"
out=$(mcf delete-space web -o acme -f 2>&1) || fail "delete-space: $out"
expect_contains "$out" "Deleting space web in org acme as admin..." "delete-space says what it does"
for _ in $(seq 1 100); do
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$(app_url node)")
  [ "$code" != 200 ] && break
  sleep 0.1
done
[ "$code" != 200 ] || fail "the app of a deleted space still answers"
[ "$(api GET '/v3/apps?names=node' | python3 -c 'import json,sys; print(json.load(sys.stdin)["pagination"]["total_results"])')" = 0 ] ||
  fail "the app of a deleted space is still listed"

out=$(mcf delete-user alice -f 2>&1) || fail "delete-user: $out"
expect_contains "$out" "Deleting user alice as admin..." "delete-user says what it does"
out=$(MICROCF_HOME="$E2E_TMP/alice2" "$MICROCF" login -a "http://api.localhost:$PORT" -u alice -p 's3cret pw' 2>&1) &&
  fail "a deleted user logged in: $out"
mcf delete-org acme -f >/dev/null || fail "delete-org"
expect_contains "$(mcf orgs)" "microcf" "the seeded org stays"

stop_platform
echo "PASS users_orgs"
