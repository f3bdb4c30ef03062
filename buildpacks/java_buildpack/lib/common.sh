# Shared by the java buildpack's scripts.

# require_java: the JRE comes from the stack; say clearly what to do when it has none.
require_java() {
  if ! command -v java >/dev/null 2>&1; then
    echo "       **ERROR** This app needs Java to run, and the stack '${CF_STACK:-host}' has no java command. Install a JRE on the stack (apt-get install openjdk-17-jre-headless) or push the app with a buildpack that brings its own Java (-b URL)" >&2
    exit 1
  fi
}

# jar_manifest JAR: prints META-INF/MANIFEST.MF of JAR (with unzip, or python3's zipfile).
jar_manifest() {
  if command -v unzip >/dev/null 2>&1; then
    unzip -p "$1" META-INF/MANIFEST.MF 2>/dev/null || true
  elif command -v python3 >/dev/null 2>&1; then
    python3 - "$1" 2>/dev/null <<'PY' || true
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    sys.stdout.write(z.read("META-INF/MANIFEST.MF").decode("utf-8", "replace"))
PY
  fi
}

# manifest_attr NAME: reads a manifest on stdin and prints attribute NAME of its main section
# (continuation lines, which start with one space, are joined; CRs dropped).
manifest_attr() {
  tr -d '\r' | awk -v want="$1" '
    /^ / { if (key == want) value = value substr($0, 2); next }
    { if (key == want) { print value; found = 1; exit }
      key = ""; i = index($0, ":")
      if (i > 0) { key = substr($0, 1, i - 1); value = substr($0, i + 1); sub(/^ +/, "", value) } }
    END { if (!found && key == want) print value }'
}
main_class() { manifest_attr Main-Class; }

# class_path BUILD_DIR: the classpath of an unpacked jar: "." and its manifest's Class-Path
# entries (relative paths, space-separated), joined with ':'.
class_path() {
  local cp=. entry entries=()
  if [ -f "$1/META-INF/MANIFEST.MF" ]; then
    read -r -a entries <<< "$(manifest_attr Class-Path < "$1/META-INF/MANIFEST.MF")" || true
    for entry in "${entries[@]}"; do cp+=":$entry"; done
  fi
  echo "$cp"
}

# java_app BUILD_DIR: how the app runs: "exploded CLASS" for an unpacked jar (what cf push of a
# jar uploads: META-INF/MANIFEST.MF with a Main-Class), "jar FILE" for the first executable
# *.jar in the app root; nothing (status 1) when it is neither.
java_app() {
  local class jar
  if [ -f "$1/META-INF/MANIFEST.MF" ]; then
    class=$(main_class < "$1/META-INF/MANIFEST.MF")
    if [ -n "$class" ]; then
      echo "exploded $class"
      return 0
    fi
  fi
  for jar in "$1"/*.jar; do
    [ -f "$jar" ] || continue
    if [ -n "$(jar_manifest "$jar" | main_class)" ]; then
      echo "jar ${jar##*/}"
      return 0
    fi
  done
  return 1
}
