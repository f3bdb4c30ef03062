// ((variables)) in manifests: where --vars-file and --var values come from, which wins, and
// how they are substituted.
#include "cli/manifest_vars.h"

#include <doctest/doctest.h>

#include "base/fs.h"
#include "base/ids.h"
#include "model/manifest.h"

using mcf::cli::collectVariables;
using mcf::cli::parseVarFlag;
using mcf::model::parseManifest;
using nlohmann::json;

namespace {

struct TempDir {
  std::string dir = "/tmp/microcf-vars-test-" + mcf::base::randomHex(6);
  TempDir() { REQUIRE(mcf::base::makeDirs(dir).ok()); }
  ~TempDir() { (void)mcf::base::removeTree(dir); }
  std::string write(const std::string& name, const std::string& text) {
    std::string path = mcf::base::joinPath(dir, name);
    REQUIRE(mcf::base::writeFileAtomic(path, text).ok());
    return path;
  }
};

mcf::model::Manifest parseWith(const std::string& yaml, const json& vars) {
  auto m = parseManifest(yaml, &vars);
  REQUIRE_MESSAGE(m.ok(), m.error().message);
  return *m;
}

}  // namespace

TEST_CASE("Vars: a placeholder that is a whole scalar takes the variable's typed value") {
  const char yaml[] = R"Y(---
applications:
- name: ((name))
  instances: ((n))
  memory: "((mem))"
  routes: ((routes))
  env:
    FLAG: ((flag))
)Y";
  json vars = {{"name", "web"},
               {"n", 2},
               {"mem", "256M"},
               {"routes", json::array({{{"route", "a.localhost"}}, {{"route", "b.localhost"}}})},
               {"flag", true}};
  auto m = parseWith(yaml, vars);
  REQUIRE(m.applications.size() == 1);
  const auto& app = m.applications[0];
  CHECK(app.name == "web");
  CHECK(app.web.instances == 2);
  CHECK(app.web.memory_mb == 256);
  REQUIRE(app.routes);
  REQUIRE(app.routes->size() == 2);
  CHECK((*app.routes)[1].route == "b.localhost");
  CHECK(app.env.at("FLAG") == "true");
}

TEST_CASE("Vars: inside a longer string a placeholder is interpolated as text") {
  const char yaml[] = R"Y(---
applications:
- name: web
  routes:
  - route: ((app)).((domain))/v((version))
  command: "echo ((greeting)) $((1+2))"
  env:
    ((key)): value
)Y";
  json vars = {{"app", "shop"}, {"domain", "localhost"}, {"version", 2},
               {"greeting", "hi"}, {"key", "NAME"}};
  auto m = parseWith(yaml, vars);
  const auto& app = m.applications[0];
  REQUIRE(app.routes);
  CHECK((*app.routes)[0].route == "shop.localhost/v2");
  CHECK(app.web.command == "echo hi $((1+2))");  // not a variable name: left alone
  CHECK(app.env.at("NAME") == "value");
}

TEST_CASE("Vars: ((map.key)) reads a key of a map variable") {
  json vars = {{"app", {{"name", "web"}, {"instances", 3}}}};
  auto m = parseWith("applications:\n- name: ((app.name))\n  instances: ((app.instances))\n",
                     vars);
  CHECK(m.applications[0].name == "web");
  CHECK(m.applications[0].web.instances == 3);
  auto bad = parseManifest("applications:\n- name: ((app.nope))\n", &vars);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("'app.nope'") != std::string::npos);
}

TEST_CASE("Vars: missing variables are all named, sorted and once each") {
  const char yaml[] = R"Y(---
applications:
- name: ((zeta))
  instances: ((alpha))
  routes:
  - route: ((zeta)).((domain))
  env: {USED: ((used))}
)Y";
  json vars = {{"used", "x"}, {"unused", 1}};
  auto m = parseManifest(yaml, &vars);
  REQUIRE_FALSE(m.ok());
  CHECK(m.error().code == mcf::base::Errc::kNotFound);
  CHECK(m.error().message == "Expected to find variables: alpha, domain, zeta");
}

TEST_CASE("Vars: a list or a boolean cannot be interpolated into a longer string") {
  json vars = {{"list", json::array({1, 2})}};
  auto m = parseManifest("applications:\n- name: app-((list))\n", &vars);
  REQUIRE_FALSE(m.ok());
  CHECK(m.error().message.find("Supported types for interpolation within a string are "
                               "integers and strings") != std::string::npos);
}

TEST_CASE("Vars: without variables the API's parser takes ((x)) literally") {
  auto m = parseManifest("applications:\n- name: ((x))\n");
  REQUIRE(m.ok());
  CHECK(m->applications[0].name == "((x))");
}

TEST_CASE("Vars: --var values are read as YAML, text stays as written") {
  auto n = parseVarFlag("n=2");
  REQUIRE(n.ok());
  CHECK(n->first == "n");
  CHECK(n->second == json(2));
  auto list = parseVarFlag("hosts=[a, b]");
  REQUIRE(list.ok());
  CHECK(list->second == json::array({"a", "b"}));
  auto text = parseVarFlag("cmd=./run --port=8080  now");
  REQUIRE(text.ok());
  CHECK(text->second == json("./run --port=8080  now"));
  auto quoted = parseVarFlag("v='2'");
  REQUIRE(quoted.ok());
  CHECK(quoted->second == json("'2'"));  // a string: kept as written, quotes and all
}

TEST_CASE("Vars: a --var without NAME=VALUE is refused naming the flag") {
  auto no_eq = parseVarFlag("instances");
  REQUIRE_FALSE(no_eq.ok());
  CHECK(no_eq.error().message ==
        "Incorrect Usage: --var 'instances' must be NAME=VALUE, e.g. --var instances=2");
  auto no_name = parseVarFlag("=2");
  REQUIRE_FALSE(no_name.ok());
  CHECK(no_name.error().message.find("--var '=2' has no name") != std::string::npos);
  auto no_value = parseVarFlag("n=");
  REQUIRE_FALSE(no_value.ok());
  CHECK(no_value.error().message.find("--var 'n=' has no value") != std::string::npos);
  auto bad = collectVariables({}, {"a=1", "oops"});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("--var 'oops'") != std::string::npos);
}

TEST_CASE("Vars: vars files apply in order and --var overrides them") {
  TempDir t;
  std::string first = t.write("first.yml", "n: 1\ndomain: one.localhost\nonly_first: a\n");
  std::string second = t.write("second.yml", "n: 2\ndomain: two.localhost\nlist: [x, z]\n");
  std::string empty = t.write("empty.yml", "");
  auto vars = collectVariables({first, second, empty}, {"domain=flag.localhost"});
  REQUIRE_MESSAGE(vars.ok(), vars.error().message);
  CHECK((*vars)["n"] == json(2));
  CHECK((*vars)["domain"] == json("flag.localhost"));
  CHECK((*vars)["only_first"] == json("a"));
  CHECK((*vars)["list"] == json::array({"x", "z"}));
  auto reversed = collectVariables({second, first}, {});
  REQUIRE(reversed.ok());
  CHECK((*reversed)["n"] == json(1));
  auto later_flag = collectVariables({}, {"n=1", "n=3"});
  REQUIRE(later_flag.ok());
  CHECK((*later_flag)["n"] == json(3));
}

TEST_CASE("Vars: an unreadable or invalid vars file is refused naming the file") {
  TempDir t;
  std::string missing = t.dir + "/nope.yml";
  auto r = collectVariables({missing}, {});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("The vars file '" + missing + "' cannot be read") !=
        std::string::npos);
  std::string broken = t.write("broken.yml", "n: [1, 2\n");
  r = collectVariables({broken}, {});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("The vars file '" + broken + "' is not valid YAML") !=
        std::string::npos);
  std::string list = t.write("list.yml", "- a\n- b\n");
  r = collectVariables({list}, {});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("must be a YAML map") != std::string::npos);
}

TEST_CASE("Vars: problems after substitution keep the manifest's line numbers") {
  json vars = {{"n", "many"}};
  auto m = parseManifest("applications:\n- name: web\n  memory: 64M\n  instances: ((n))\n", &vars);
  REQUIRE_FALSE(m.ok());
  CHECK(m.error().message == "line 4: 'instances' must be a whole number, got 'many'");
}
