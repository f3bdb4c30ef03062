#!/usr/bin/env bash
# Sets up, builds and runs every test (unit and end-to-end); ends with "N passed, N failed".
#   scripts/test.sh [--werror]
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh "$@" || { echo "0 passed, 1 failed"; exit 1; }
meson test -C build --print-errorlogs --num-processes 1
status=$?
python3 scripts/test_summary.py build/meson-logs/testlog.json
exit $status
