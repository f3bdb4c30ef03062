# TLS (--tls-port): the local CA made on first start and reused after, the certificate it
# signs for *.localhost, HTTPS requests to the API and an app through the router, the trust instructions `up` prints, and a bad operator certificate
# stopping start-up with the file's name.
source "$(dirname "$0")/lib.sh"
TLS_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
TLS="$MICROCF_HOME/tls"
CA="$TLS/ca.crt"

start_platform --ssh-port 0 --tls-port "$TLS_PORT"
[ -f "$CA" ] || fail "no $CA after the first start"
[ "$(stat -c %a "$TLS/ca.key")" = 600 ] || fail "ca.key is $(stat -c %a "$TLS/ca.key"), not 600"
subject=$(openssl x509 -in "$CA" -noout -subject)
expect_contains "$subject" "CN = microcf local CA" "the CA's subject"
ext=$(openssl x509 -in "$CA" -noout -ext basicConstraints,keyUsage)
expect_contains "$ext" "CA:TRUE" "the CA's basicConstraints"
expect_contains "$ext" "Certificate Sign" "the CA's keyUsage"
out=$(openssl verify -CAfile "$CA" "$TLS/server.crt" 2>&1) || fail "server.crt does not verify: $out"
san=$(openssl x509 -in "$TLS/server.crt" -noout -ext subjectAltName)
expect_contains "$san" "DNS:*.localhost, DNS:localhost, DNS:api.localhost" "the server certificate's names"
log=$(cat "$E2E_TMP/up.log")
expect_contains "$log" "curl --cacert $CA https://APP.localhost:$TLS_PORT/" "how to trust the CA with curl"
expect_contains "$log" "cp $CA /usr/local/share/ca-certificates/microcf.crt && sudo update-ca-certificates" \
  "how to trust the CA on Debian"
grep -q "\"tls_port\": $TLS_PORT" "$MICROCF_HOME/daemon.json" || fail "daemon.json has no tls_port"

# Requests over HTTPS: the API and an app through the router, verified against the local CA
# by host name (SNI picks a certificate per APP.localhost), with X-Forwarded-Proto: https.
https() {  # https HOST PATH [curl args]: through the HTTPS port, the host resolved to loopback
  local host=$1 path=$2
  shift 2
  curl -sS --max-time 20 --cacert "$CA" --resolve "$host:$TLS_PORT:127.0.0.1" "$@" \
    "https://$host:$TLS_PORT$path"
}
info=$(https api.localhost /v3/info) || fail "GET https://api.localhost/v3/info failed: $info"
expect_contains "$info" '"name"' "the API's /v3/info over HTTPS"
out=$(cd "$MICROCF_SOURCE/test/e2e/apps/routerapp" && mcf push -i 1 2>&1) || { echo "$out"; fail "push routerapp"; }
headers=$(https routerapp.localhost /headers) || fail "GET https://routerapp.localhost/headers failed: $headers"
proto=$(python3 -c 'import json,sys; h=dict((k.lower(),v) for k,v in json.load(sys.stdin)["headers"]); print(h.get("x-forwarded-proto",""))' <<< "$headers")
[ "$proto" = https ] || fail "the app saw X-Forwarded-Proto '$proto' over HTTPS, expected https"
issuer=$(https routerapp.localhost / -v -o /dev/null 2>&1 | grep -i "issuer:" || true)
expect_contains "$issuer" "microcf local CA" "the certificate's issuer for routerapp.localhost"
body=$(https routerapp.localhost / -H 'Connection: keep-alive' --next --cacert "$CA" \
  --resolve "routerapp.localhost:$TLS_PORT:127.0.0.1" "https://routerapp.localhost:$TLS_PORT/" -v 2>&1)
expect_contains "$body" "Re-using existing connection" "keep-alive over HTTPS"
set +e
out=$(curl -sS --max-time 10 --resolve "routerapp.localhost:$TLS_PORT:127.0.0.1" \
  "https://routerapp.localhost:$TLS_PORT/" 2>&1); rc=$?
set -e
[ "$rc" = 60 ] || fail "curl without the CA should refuse the certificate (exit 60), got $rc: $out"
plain=$(curl -s --max-time 10 "http://127.0.0.1:$TLS_PORT/" || true)
expect_contains "$plain" "https://" "the answer to plain HTTP on the HTTPS port"
code=$(curl -s -o /dev/null -w '%{http_code}' "$(app_url routerapp)")
[ "$code" = 200 ] || fail "the plain HTTP port answered $code after the HTTPS checks"

ca_sum=$(sha256sum < "$CA")
server_sum=$(sha256sum < "$TLS/server.crt")
stop_platform

start_platform --ssh-port 0 --tls-port "$TLS_PORT"
[ "$(sha256sum < "$CA")" = "$ca_sum" ] || fail "the CA changed across a restart"
[ "$(sha256sum < "$TLS/server.crt")" = "$server_sum" ] || fail "server.crt was reissued while good"
stop_platform

net=()
[ -n "${MICROCF_E2E_SUBNET:-}" ] && net=(--subnet "$MICROCF_E2E_SUBNET")

# Another domain: a new server certificate from the same CA. (start_platform asks
# api.localhost, so this start is waited for by hand.)
"$MICROCF" up --port "$PORT" --ssh-port 0 --tls-port "$TLS_PORT" --domain apps.example.test \
  "${net[@]}" >> "$E2E_TMP/up.log" 2>&1 &
UP_PID=$!
for _ in $(seq 1 100); do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: api.apps.example.test' \
    "http://127.0.0.1:$PORT/v3/info" || true)
  [ "$code" = 200 ] && break
  kill -0 "$UP_PID" 2>/dev/null || fail "microcf up --domain apps.example.test exited during start"
  sleep 0.1
done
[ "$code" = 200 ] || fail "microcf up --domain apps.example.test did not answer within 10 s"
[ "$(sha256sum < "$CA")" = "$ca_sum" ] || fail "the CA changed with the domain"
san=$(openssl x509 -in "$TLS/server.crt" -noout -ext subjectAltName)
expect_contains "$san" "DNS:*.apps.example.test, DNS:apps.example.test, DNS:api.apps.example.test" \
  "the server certificate for --domain apps.example.test"
stop_platform

echo "not a certificate" > "$E2E_TMP/bad.pem"
set +e
out=$("$MICROCF" up --port "$PORT" --ssh-port 0 --tls-port "$TLS_PORT" "${net[@]}" \
  --tls-cert "$E2E_TMP/bad.pem,$TLS/server.key" 2>&1); rc=$?
set -e
[ "$rc" = 1 ] || fail "up with a bad --tls-cert exited $rc: $out"
expect_contains "$out" "cannot set up TLS: TLS certificate $E2E_TMP/bad.pem: no PEM certificate in it" \
  "the error for a bad --tls-cert"

# An operator certificate that is good (here: the server certificate itself) is taken.
start_platform --ssh-port 0 --tls-port "$TLS_PORT" --tls-cert "$TLS/server.crt,$TLS/server.key"
expect_contains "$(cat "$E2E_TMP/up.log")" "TLS certificate $TLS/server.crt: *.localhost, localhost, api.localhost" \
  "the operator certificate in the start-up log"
stop_platform
echo "ok: the local CA made once and kept, HTTPS to the API and an app, its server certificate per domain, trust instructions, operator certificates checked at start"
