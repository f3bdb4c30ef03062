# Shared by the nodejs buildpack's scripts.

# require_node: node and npm come from the stack; say so clearly when they are missing.
require_node() {
  if ! command -v node >/dev/null 2>&1; then
    echo "       **ERROR** node is not installed on this stack (looked in PATH=$PATH)." >&2
    echo "       Install Node.js on the machine that runs microcf (apt-get install nodejs npm)." >&2
    exit 1
  fi
}

# package_json_query BUILD_DIR WHAT: "deps" (number of dependencies) or "start" (the web
# command). Fails with a message when package.json is not valid JSON.
package_json_query() {
  node -e '
    const fs = require("fs"), path = require("path");
    const [dir, what] = process.argv.slice(1);
    let pkg;
    try {
      pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
    } catch (e) {
      console.error("       **ERROR** package.json is not valid JSON: " + e.message);
      process.exit(1);
    }
    if (what === "deps") {
      console.log(Object.keys(pkg.dependencies || {}).length);
    } else {
      let cmd = "";
      if (pkg.scripts && pkg.scripts.start) cmd = "npm start";
      else if (fs.existsSync(path.join(dir, "server.js"))) cmd = "node server.js";
      else if (pkg.main && fs.existsSync(path.join(dir, pkg.main))) cmd = "node " + pkg.main;
      console.log(cmd);
    }' "$1" "$2"
}
