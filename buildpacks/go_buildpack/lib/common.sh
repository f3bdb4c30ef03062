# Shared by the go buildpack's scripts.

# require_go: Go comes from the stack; say clearly what to do when it has none.
require_go() {
  if ! command -v go >/dev/null 2>&1; then
    echo "       **ERROR** This app needs Go to build, and the stack '${CF_STACK:-host}' has no go command. Install Go on the stack (apt-get install golang-go) or push a prebuilt binary with -b binary_buildpack -c ./app" >&2
    exit 1
  fi
}

# go_app_name BUILD_DIR: the web binary's name: the last element of the first package of
# GO_INSTALL_PACKAGE_SPEC when the app sets it (as Cloud Foundry's go buildpack reads it), else
# of go.mod's module path (without a /vN major version suffix), or "app" without a go.mod.
# Nothing when that first package is a pattern (./cmd/...).
go_app_name() {
  local spec=()
  read -r -a spec <<< "${GO_INSTALL_PACKAGE_SPEC:-}" || true
  if [ ${#spec[@]} -gt 0 ] && [ "${spec[0]}" != . ]; then
    # A pattern (./cmd/...) names no one binary: no default web process.
    [[ "${spec[0]}" == *...* ]] && return 0
    local first=${spec[0]%/}
    first=${first##*/}
    if [[ "$first" =~ ^[A-Za-z0-9._-]+$ ]] && [ "$first" != . ] && [ "$first" != .. ]; then
      echo "$first"
      return
    fi
  fi
  local module=""
  if [ -f "$1/go.mod" ]; then
    module=$(sed -n 's/^[[:space:]]*module[[:space:]]\{1,\}"\{0,1\}\([^"[:space:]]*\)"\{0,1\}.*/\1/p' "$1/go.mod" | head -n1)
  fi
  module=${module%/}
  if [[ "$module" =~ /v[0-9]+$ ]]; then module=${module%/*}; fi
  local name=${module##*/}
  if [[ ! "$name" =~ ^[A-Za-z0-9._-]+$ ]] || [ "$name" = . ] || [ "$name" = .. ]; then name=app; fi
  echo "$name"
}
