# Shared by the python buildpack's scripts.

# require_python: python3 comes from the stack; say so clearly when it is missing.
require_python() {
  if ! command -v python3 >/dev/null 2>&1; then
    echo "       **ERROR** python3 is not installed on this stack (looked in PATH=$PATH)." >&2
    echo "       Install Python 3 on the machine that runs microcf (apt-get install python3 python3-pip)." >&2
    exit 1
  fi
}

# requirements BUILD_DIR: the requirement lines of requirements.txt (no comments or blanks).
requirements() {
  [ -f "$1/requirements.txt" ] || return 0
  grep -Ev '^[[:space:]]*(#|$)' "$1/requirements.txt" || true
}
