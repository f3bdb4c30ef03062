# logs --recent shows staging, cell, router and app lines in the cf CLI's layout.
source "$(dirname "$0")/lib.sh"
start_platform
(cd "$EXAMPLES/node" && mcf push >/dev/null) || fail "push node"
curl -s "$(app_url node /hello)" >/dev/null
sleep 0.3
out=$(mcf logs node --recent)
expect_contains "$out" "[STG/0] OUT" "staging lines"
expect_contains "$out" "[CELL/0] OUT Cell" "cell lines"
expect_contains "$out" "[RTR/0] OUT node.localhost" "router access log line"
expect_contains "$out" "\"GET /hello HTTP/1.1\" 200" "router line has the request"
expect_contains "$out" "[APP/PROC/WEB/0] OUT" "app output"
printf '%s\n' "$out" | grep -qE '^   [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{2}[+-][0-9]{4} \[' || fail "lines use the cf CLI's timestamp layout"
echo "ok: recent logs"
