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

# check_engines BUILD_DIR: package.json's engines.node against the stack's node. The stack has
# one node, so a range it does not satisfy fails staging, as Cloud Foundry's nodejs buildpack
# fails when no node it has matches. Ranges: "18", "18.x", ">=18", "^18.2", "~18.2",
# ">=16 <21", "a || b", "*". A range it cannot read is warned about, not refused.
check_engines() {
  node -e '
    const fs = require("fs"), path = require("path");
    let pkg;
    try {
      pkg = JSON.parse(fs.readFileSync(path.join(process.argv[1], "package.json"), "utf8"));
    } catch (e) {
      process.exit(0);  // package_json_query says what is wrong with it
    }
    const range = pkg.engines && typeof pkg.engines.node === "string" ? pkg.engines.node.trim() : "";
    const have = process.versions.node.split(".").map(Number);
    if (!range) { console.log("-----> Using node v" + have.join(".") + " (package.json names no engines.node)"); process.exit(0); }
    const cmp = (a, b) => { for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i]; return 0; };
    // One comparator, e.g. ">=18.2", "^18", "18.x": [[op, version], ...] (all must hold).
    function comparator(c) {
      const m = /^(>=|<=|>|<|=|\^|~)?v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?$/.exec(c);
      if (!m) throw new Error(c);
      const op = m[1] || "";
      const parts = [m[2], m[3], m[4]];
      const fixed = parts.findIndex(p => p === undefined || /[xX*]/.test(p));
      const n = fixed === -1 ? 3 : fixed;
      const v = parts.slice(0, n).map(Number).concat([0, 0, 0]).slice(0, 3);
      const next = k => { const u = v.slice(); u[k] += 1; for (let i = k + 1; i < 3; i++) u[i] = 0; return u; };
      if (op === "" || op === "=") return n === 3 ? [["=", v]] : n === 0 ? [] : [[">=", v], ["<", next(n - 1)]];
      if (op === "^") { const k = v[0] > 0 || n === 1 ? 0 : v[1] > 0 || n === 2 ? 1 : 2; return [[">=", v], ["<", next(k)]]; }
      if (op === "~") return [[">=", v], ["<", next(n >= 2 ? 1 : 0)]];
      if (op === "<=" && n < 3) return [["<", next(n - 1)]];
      if (op === ">" && n < 3) return [[">=", next(n - 1)]];
      return [[op, v]];
    }
    const holds = ([op, v]) => { const d = cmp(have, v); return op === "=" ? d === 0 : op === ">=" ? d >= 0 : op === "<=" ? d <= 0 : op === ">" ? d > 0 : d < 0; };
    let ok;
    try {
      ok = range.split("||").some(alt => {
        const cs = alt.trim().replace(/(>=|<=|>|<|=)\s+/g, "$1").split(/\s+/).filter(Boolean);
        return cs.flatMap(comparator).every(holds);
      });
    } catch (e) {
      console.log("       **WARNING** cannot read engines.node \"" + range + "\"; using node v" + have.join("."));
      process.exit(0);
    }
    if (ok) { console.log("-----> Using node v" + have.join(".") + " (package.json engines.node: " + range + ")"); process.exit(0); }
    console.error("       **ERROR** package.json asks for node " + range + " (engines.node), but this stack has node v" + have.join(".") + ".");
    console.error("       Change engines.node to a range that includes " + have.join(".") + ", or run microcf on a machine with a matching node.");
    process.exit(1);
  ' "$1"
}
