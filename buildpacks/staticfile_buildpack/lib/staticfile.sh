# Reading a Staticfile (YAML `key: value` lines) for bin/finalize and bin/release.

# staticfile_value FILE KEY: the value of a top-level `KEY: value` line, unquoted; "" if none.
staticfile_value() {
  local file=$1 key=$2
  [ -f "$file" ] || return 0
  sed -n -E "s/^${key}:[[:space:]]*//p" "$file" | head -n1 |
    sed -E 's/[[:space:]]+#.*$//; s/[[:space:]]+$//' |
    sed -E "s/^\"(.*)\"\$/\\1/; s/^'(.*)'\$/\\1/"
}

# staticfile_root BUILD_DIR: the directory to serve, relative to the app ("." by default).
# Fails with a message when `root:` names something unsafe or missing.
staticfile_root() {
  local build_dir=$1 root
  root=$(staticfile_value "$build_dir/Staticfile" root)
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
  printf '%s\n' "$root"
}

# staticfile_flag BUILD_DIR KEY: true when the Staticfile sets KEY to true/yes/on/enabled.
staticfile_flag() {
  case "$(staticfile_value "$1/Staticfile" "$2" | tr '[:upper:]' '[:lower:]')" in
    true|yes|on|enabled) return 0 ;;
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

# staticfile_gzip_off BUILD_DIR: true when the Staticfile turns gzip off (gzip: off/false/no).
staticfile_gzip_off() {
  case "$(staticfile_value "$1/Staticfile" gzip | tr '[:upper:]' '[:lower:]')" in
    off|false|no|disabled) return 0 ;;
    *) return 1 ;;
  esac
}
