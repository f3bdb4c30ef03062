# TLS (--tls-port): the local CA made on first start and reused after, the certificate it
# signs for *.localhost, the trust instructions `up` prints, and a bad operator certificate
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
echo "ok: the local CA made once and kept, its server certificate per domain, trust instructions, operator certificates checked at start"
