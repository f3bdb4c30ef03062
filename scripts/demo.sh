#!/usr/bin/env bash
# Quick start: set up, build, start microcf, push the static example and print its URL.
# The platform keeps running in the foreground; Ctrl-C stops it (and every app instance).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export MICROCF_HOME="${MICROCF_HOME:-$HOME/.microcf}"
mkdir -p "$MICROCF_HOME"
./build/microcf up "$@" > "$MICROCF_HOME/up.log" 2>&1 &
up_pid=$!
trap 'kill -TERM $up_pid 2>/dev/null; wait $up_pid 2>/dev/null' INT TERM
for _ in $(seq 1 100); do
  [ -f "$MICROCF_HOME/daemon.json" ] && break
  kill -0 $up_pid 2>/dev/null || { cat "$MICROCF_HOME/up.log"; exit 1; }
  sleep 0.1
done
cat "$MICROCF_HOME/up.log"
./build/microcf push -f examples/static/manifest.yml -p examples/static
echo
echo "microcf is running (pid $up_pid). Open the URL above; Ctrl-C stops the platform."
wait $up_pid
