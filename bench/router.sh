#!/usr/bin/env bash
# The router against nginx and haproxy, in one run: wrk (keep-alive, -t1 -c50, --latency)
# against the same backend directly, through nginx (proxy_pass, upstream keepalive 64, one
# worker), through haproxy (nbthread 1, http-reuse always) and through microcf's router.
# Prints requests/s, p50 and p99 for each (medians over the rounds, which interleave the
# targets), the ratios to direct and to nginx, and the CPU time (user + system) each proxy
# spent per request: the proxies share CPU 1 with the backend, so a proxy's requests/s follows
# from its CPU per request, and that figure moves less with the machine's noise.
#   bench/router.sh [ROUNDS (default 5)] [SECONDS per wrk run (default 10)]
#
# The backend is bench/router_backend.c (one thread, epoll, "hello" to every request), built
# static and pushed as a binary_buildpack app; every target reaches that same instance at its
# container address. wrk runs on CPU 0; the backend, nginx, haproxy and microcf on CPU 1.
# Needs root (containers) and installs wrk, nginx-light and haproxy when missing.
# MICROCF_BENCH_SUBNET gives the containers another subnet.
source "$(dirname "$0")/common.sh"
[ "$(id -u)" -eq 0 ] || { echo "bench/router.sh needs root (containers)"; exit 1; }
rounds=${1:-5} secs=${2:-10}
[ "$(nproc)" -ge 2 ] || { echo "bench/router.sh needs 2 CPUs (wrk on one, the rest on the other)"; exit 1; }

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || missing+=(nginx-light)
command -v haproxy >/dev/null || missing+=(haproxy)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v gcc >/dev/null || { echo "bench/router.sh needs gcc to build its backend"; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
cleanup_proxies() {
  [ -f "$BENCH_TMP/nginx.pid" ] && kill "$(cat "$BENCH_TMP/nginx.pid")" 2>/dev/null
  [ -n "${HAPROXY_PID:-}" ] && kill "$HAPROXY_PID" 2>/dev/null
  cleanup
}
trap cleanup_proxies EXIT

# The backend app.
mkdir -p "$BENCH_TMP/backend"
gcc -O2 -static -o "$BENCH_TMP/backend/backend" "$ROOT/bench/router_backend.c"
cat > "$BENCH_TMP/backend/manifest.yml" <<'EOF'
applications:
- name: backend
  memory: 32M
  buildpacks:
  - binary_buildpack
  command: ./backend
EOF
start_platform
(cd "$BENCH_TMP/backend" && "$MICROCF" push > "$BENCH_TMP/push.log" 2>&1) || { cat "$BENCH_TMP/push.log"; exit 1; }
for _ in $(seq 1 300); do
  [ "$(curl -s --max-time 1 "http://backend.localhost:$PORT/" || true)" = hello ] && break
  sleep 0.1
done
[ "$(curl -s --max-time 1 "http://backend.localhost:$PORT/")" = hello ] || { echo "the backend did not answer"; exit 1; }
read -r ip port guid < <("$MICROCF" curl "/v3/processes/$("$MICROCF" curl '/v3/apps?names=backend' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["resources"][0]["guid"])')/stats" |
  python3 -c 'import json,sys; r=json.load(sys.stdin)["resources"][0]; print(r["host"], r["instance_ports"][0]["internal"], r["instance_guid"])')
backend_pid=""
for p in /proc/[0-9]*; do
  if [ "$(cat "$p/comm" 2>/dev/null)" = backend ] &&
    tr '\0' '\n' 2>/dev/null < "$p/environ" | grep -qx "CF_INSTANCE_GUID=$guid"; then
    backend_pid=${p#/proc/}
  fi
done
[ -n "$backend_pid" ] || { echo "found no backend process"; exit 1; }

# The proxies, each with the same backend.
nginx_port=$(free_port) haproxy_port=$(free_port)
mkdir -p "$BENCH_TMP/nginx"
cat > "$BENCH_TMP/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $BENCH_TMP/nginx.pid;
error_log $BENCH_TMP/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $BENCH_TMP/nginx/body;
  proxy_temp_path $BENCH_TMP/nginx/proxy;
  fastcgi_temp_path $BENCH_TMP/nginx/fastcgi;
  uwsgi_temp_path $BENCH_TMP/nginx/uwsgi;
  scgi_temp_path $BENCH_TMP/nginx/scgi;
  upstream backend { server $ip:$port; keepalive 64; }
  server {
    listen 127.0.0.1:$nginx_port;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
EOF
cat > "$BENCH_TMP/haproxy.cfg" <<EOF
global
  nbthread 1
  maxconn 4096
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  option http-keep-alive
  http-reuse always
frontend bench
  bind 127.0.0.1:$haproxy_port
  default_backend backend
backend backend
  server s1 $ip:$port
EOF
taskset -c 1 nginx -p "$BENCH_TMP/nginx" -c "$BENCH_TMP/nginx/nginx.conf" -e "$BENCH_TMP/nginx/error.log" &
taskset -c 1 haproxy -f "$BENCH_TMP/haproxy.cfg" -db > "$BENCH_TMP/haproxy.log" 2>&1 &
HAPROXY_PID=$!
for _ in $(seq 1 100); do
  [ "$(curl -s "http://127.0.0.1:$nginx_port/" || true)" = hello ] &&
    [ "$(curl -s "http://127.0.0.1:$haproxy_port/" || true)" = hello ] && break
  sleep 0.1
done
for what in "http://$ip:$port/" "http://127.0.0.1:$nginx_port/" "http://127.0.0.1:$haproxy_port/"; do
  [ "$(curl -s --max-time 2 "$what")" = hello ] || { echo "no 'hello' from $what"; exit 1; }
done
[ "$(curl -s --max-time 2 -H 'Host: backend.localhost' "http://127.0.0.1:$PORT/")" = hello ] ||
  { echo "no 'hello' through microcf's router"; exit 1; }
taskset -a -cp 1 "$UP_PID" > /dev/null
taskset -cp 1 "$backend_pid" > /dev/null

targets=(direct nginx haproxy microcf)
declare -A args=(
  [direct]="http://$ip:$port/"
  [nginx]="http://127.0.0.1:$nginx_port/"
  [haproxy]="http://127.0.0.1:$haproxy_port/"
  [microcf]="http://127.0.0.1:$PORT/"
)
declare -A host=([microcf]="backend.localhost")
nginx_worker=$(pgrep -P "$(cat "$BENCH_TMP/nginx.pid")" | head -1)
declare -A pid=([direct]="$backend_pid" [nginx]="$nginx_worker" [haproxy]="$HAPROXY_PID" [microcf]="$UP_PID")
hz=$(getconf CLK_TCK)
cpu_ticks() { awk '{sub(/.*\) /, ""); print $12 + $13}' "/proc/$1/stat"; }  # utime + stime, all threads
to_ms() {  # wrk's "1.23ms", "456.00us", "1.01s" → ms
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) ; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'
}
declare -A rps p50 p99 errs cpu
echo "wrk -t1 -c50 -d${secs}s on CPU 0; backend $ip:$port (pid $backend_pid) and the proxies on CPU 1; $rounds rounds"
for r in $(seq 1 "$rounds"); do
  for t in "${targets[@]}"; do
    hdr=()
    [ -n "${host[$t]:-}" ] && hdr=(-H "Host: ${host[$t]}")
    t0=$(cpu_ticks "${pid[$t]}")
    out=$(taskset -c 0 wrk -t1 -c50 -d"${secs}s" --latency "${hdr[@]}" "${args[$t]}" 2>&1)
    t1=$(cpu_ticks "${pid[$t]}")
    n=$(awk '/requests in/ {print $1}' <<< "$out")
    cpu[$t]+="$(awk -v d=$((t1 - t0)) -v hz="$hz" -v n="${n:-0}" 'BEGIN {printf "%.2f", n ? d * 1e6 / hz / n : 0}') "
    rps[$t]+="$(awk '/^Requests\/sec:/ {print $2}' <<< "$out") "
    p50[$t]+="$(to_ms "$(awk '$1 == "50%" {print $2}' <<< "$out")") "
    p99[$t]+="$(to_ms "$(awk '$1 == "99%" {print $2}' <<< "$out")") "
    bad=$(awk '/Non-2xx or 3xx responses:/ {n += $NF} /Socket errors:/ {gsub(",", ""); n += $4 + $6 + $8 + $10} END {print n + 0}' <<< "$out")
    errs[$t]=$(( ${errs[$t]:-0} + bad ))
    printf '  round %d %-8s %10s req/s\n' "$r" "$t" "$(awk '/^Requests\/sec:/ {print $2}' <<< "$out")"
    [ "$bad" -eq 0 ] || grep -E 'Non-2xx|Socket errors' <<< "$out" | sed 's/^ */    /'
  done
done
med() { tr ' ' '\n' <<< "$1" | grep . | median; }
direct=$(med "${rps[direct]}") nginx_rps=$(med "${rps[nginx]}")
printf '\n%-9s %10s %9s %9s %9s %9s %10s %7s\n' target req/s p50_ms p99_ms vs_direct vs_nginx cpu_us/req errors
for t in "${targets[@]}"; do
  m=$(med "${rps[$t]}")
  printf '%-9s %10.0f %9.3f %9.3f %9.2f %9.2f %10.1f %7d\n' "$t" "$m" "$(med "${p50[$t]}")" "$(med "${p99[$t]}")" \
    "$(awk -v a="$m" -v b="$direct" 'BEGIN {print a / b}')" "$(awk -v a="$m" -v b="$nginx_rps" 'BEGIN {print a / b}')" \
    "$(med "${cpu[$t]}")" "${errs[$t]}"
done
