#!/usr/bin/env bash
# Started by binary_buildpack with the manifest's command. Anything that listens on $PORT
# works; this one hands over to a small Python server.
set -euo pipefail
cd "$(dirname "$0")"
echo "starting instance ${CF_INSTANCE_INDEX:-0} on port ${PORT:-8080}"
exec python3 server.py
