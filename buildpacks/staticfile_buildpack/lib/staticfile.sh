# Reading a Staticfile (YAML `key: value` lines) for bin/finalize and bin/release.
#
# The Staticfile is read once, in bash itself: a staging runs these functions a few dozen
# times, and a sed pipeline per question cost half a second of process starts.

declare -gA STATICFILE=()
STATICFILE_READ=""

# staticfile_read FILE: fills STATICFILE with the first value of each top-level `key: value`
# line, without a trailing comment and surrounding quotes.
staticfile_read() {
  local file=$1 line key value
  [ "$STATICFILE_READ" = "$file" ] && return 0
  STATICFILE=()
  STATICFILE_READ=$file
  [ -f "$file" ] || return 0
  while IFS= read -r line || [ -n "$line" ]; do
    [[ $line =~ ^([A-Za-z0-9_]+):[[:space:]]*(.*)$ ]] || continue
    key=${BASH_REMATCH[1]}
    value=${BASH_REMATCH[2]}
    [[ -v STATICFILE[$key] ]] && continue
    value=${value%%[[:space:]]#*}
    [[ $value =~ ^(.*[^[:space:]])[[:space:]]+$ ]] && value=${BASH_REMATCH[1]}
    if [[ $value =~ ^\"(.*)\"$ ]] || [[ $value =~ ^\'(.*)\'$ ]]; then
      value=${BASH_REMATCH[1]}
    fi
    STATICFILE[$key]=$value
  done <"$file"
}

# staticfile_value FILE KEY: the value of a top-level `KEY: value` line, unquoted; "" if none.
staticfile_value() {
  staticfile_read "$1"
  printf '%s' "${STATICFILE[$2]-}"
}

# staticfile_root BUILD_DIR: sets STATICFILE_ROOT to the directory to serve, relative to the
# app ("." by default). Fails with a message when `root:` names something unsafe or missing.
staticfile_root() {
  local build_dir=$1 root
  staticfile_read "$build_dir/Staticfile"
  root=${STATICFILE[root]-}
  root=${root%/}
  [ -n "$root" ] || root=.
  case "/$root/" in
    //*|*/../*)
      echo "       **ERROR** Staticfile: root '$root' must be a directory inside the app (no leading '/', no '..')" >&2
      return 1 ;;
  esac
  if [ ! -d "$build_dir/$root" ]; then
    echo "       **ERROR** Staticfile: root directory '$root' is not in the app; create it or fix root:" >&2
    return 1
  fi
  STATICFILE_ROOT=$root
}

# staticfile_flag BUILD_DIR KEY: true when the Staticfile sets KEY to true/yes/on/enabled.
staticfile_flag() {
  staticfile_read "$1/Staticfile"
  local value=${STATICFILE[$2]-}
  case "${value,,}" in
    true|yes|on|enabled) return 0 ;;
    *) return 1 ;;
  esac
}

# staticfile_gzip_off BUILD_DIR: true when the Staticfile turns gzip off (gzip: off/false/no).
staticfile_gzip_off() {
  staticfile_read "$1/Staticfile"
  local value=${STATICFILE[gzip]-}
  case "${value,,}" in
    off|false|no|disabled) return 0 ;;
    *) return 1 ;;
  esac
}

# yaml_quote STRING: STRING as a double-quoted YAML scalar.
yaml_quote() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  printf '"%s"' "$s"
}
