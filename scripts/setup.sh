#!/usr/bin/env bash
# Installs what microcf needs on Debian 12 or Ubuntu (apt-get, only what is missing) and
# builds it into ./build. Used by the README's quick start and by .ci/run.
#   scripts/setup.sh [--werror]
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(meson ninja-build pkg-config g++ libuv1-dev libsqlite3-dev libyaml-cpp-dev
  libarchive-dev libfmt-dev doctest-dev nlohmann-json3-dev libcli11-dev libssl-dev
  node-llhttp curl zip unzip git python3 ca-certificates openssl procps iproute2 nftables e2fsprogs
  debootstrap)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The nodejs buildpack runs the stack's node and npm; a machine may have them from elsewhere.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
# The java buildpack runs the stack's java (examples/java and its tests).
command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
# The built-in data services run the host's PostgreSQL, MariaDB and Redis servers in
# containers (README, "Data services"); their packages' own services are not started.
command -v redis-server >/dev/null || missing+=(redis-server)
[ -x /usr/sbin/mariadbd ] || [ -x /usr/sbin/mysqld ] || missing+=(mariadb-server)
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql)

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  # Packages install without starting their services (microcf runs the data servers itself).
  made_policy=false
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod +x /usr/sbin/policy-rc.d
    made_policy=true
  fi
  status=0
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || status=$?
  if $made_policy; then $sudo rm -f /usr/sbin/policy-rc.d; fi
  [ $status -eq 0 ] || exit $status
fi

# --werror (CI) turns warnings into errors; without it an existing build keeps its setting,
# so that the quick start's two commands share one build.
if [ ! -f build/build.ninja ]; then
  werror=false
  [ "${1:-}" = "--werror" ] && werror=true
  meson setup build -Dwerror=$werror >/dev/null
elif [ "${1:-}" = "--werror" ]; then
  meson configure build -Dwerror=true >/dev/null
fi
ninja -C build
