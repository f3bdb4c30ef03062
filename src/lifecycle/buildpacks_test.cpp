// Stages the examples/ apps with the buildpacks/ that ship with microcf, as a push would.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <tuple>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "archive/archive.h"
#include "base/fs.h"
#include "lifecycle/testing/run_builder.h"
#include "base/strutil.h"
#include "lifecycle/builder.h"
#include "lifecycle/lifecycle_test_paths.h"

namespace mcf::lifecycle {

using nlohmann::json;

namespace {

struct Staged {
  int code = -1;
  std::string output;
  json result;
  std::string root;  // temp dir holding app/, droplet/, cache/
};

std::vector<std::string> adminOrder() {
  auto text = base::readFile(std::string(MCF_BUILDPACKS_DIR) + "/order");
  REQUIRE(text.ok());
  std::vector<std::string> order;
  for (const std::string& line : base::split(*text, '\n'))
    if (!base::trim(line).empty()) order.push_back(base::trim(line));
  return order;
}

// Copies examples/<name> (or an app made by `make`) and runs the builder over it.
Staged stage(const std::string& app_src, std::vector<std::string> buildpacks = {}) {
  char tmpl[] = "/tmp/mcf-buildpacks-test-XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  Staged s;
  s.root = tmpl;
  REQUIRE(base::copyTree(app_src, s.root + "/app").ok());
  BuilderOptions o;
  o.build_dir = s.root + "/app";
  o.buildpacks_dir = MCF_BUILDPACKS_DIR;
  o.buildpack_order = buildpacks.empty() ? adminOrder() : buildpacks;
  o.skip_detect = !buildpacks.empty();
  o.cache_dir = s.root + "/cache";
  o.output_droplet = s.root + "/droplet";
  o.output_metadata = s.root + "/result.json";

  std::tie(s.code, s.output) = runBuilderCaptured(o, s.root + "/staging.log");
  REQUIRE(s.code >= 0);  // -1: the log could not be opened
  if (auto r = base::readFile(o.output_metadata)) s.result = json::parse(*r);
  return s;
}

std::string example(const char* name) { return std::string(MCF_EXAMPLES_DIR) + "/" + name; }

bool have(const char* program) {
  for (const std::string& dir : base::split(getenv("PATH") ? getenv("PATH") : "", ':'))
    if (!dir.empty() && ::access((dir + "/" + program).c_str(), X_OK) == 0) return true;
  return false;
}

struct Cleanup {
  explicit Cleanup(const Staged& s) : root(s.root) {}
  ~Cleanup() { (void)base::removeTree(root); }
  std::string root;
};

}  // namespace

TEST_CASE("buildpacks: the admin order is Cloud Foundry's") {
  CHECK(adminOrder() == std::vector<std::string>{"staticfile_buildpack", "nodejs_buildpack",
                                                 "python_buildpack", "binary_buildpack"});
}

TEST_CASE("buildpacks: examples/static is detected by staticfile_buildpack") {
  Staged s = stage(example("static"));
  Cleanup c(s);
  REQUIRE_MESSAGE(s.code == 0, s.output);
  CHECK(s.output.find("-----> Staticfile Buildpack version") != std::string::npos);
  CHECK(s.result["lifecycle_metadata"]["buildpack_key"] == "staticfile_buildpack");
  CHECK(s.result["process_types"]["web"] == "/tmp/lifecycle/static-server .");
  CHECK(base::pathExists(s.root + "/droplet/app/index.html"));
  // gzip is on by default: the page (over 255 bytes) has its .gz, byte for byte gunzipped.
  CHECK(s.output.find("-----> gzip: compressed 1 text files") != std::string::npos);
  REQUIRE(base::pathExists(s.root + "/droplet/app/index.html.gz"));
  std::string gunzipped;
  if (FILE* p = ::popen(("gzip -dc '" + s.root + "/droplet/app/index.html.gz'").c_str(), "r")) {
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) gunzipped.append(buf, n);
    ::pclose(p);
  }
  CHECK(gunzipped == base::readFile(example("static") + "/index.html").value());
}

TEST_CASE("buildpacks: Staticfile gzip: off makes no .gz and serves with --no-gzip") {
  char tmpl[] = "/tmp/mcf-buildpacks-app-XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  std::string app = tmpl;
  REQUIRE(base::writeFileAtomic(app + "/Staticfile", "gzip: off\n").ok());
  REQUIRE(base::writeFileAtomic(app + "/index.html", std::string(1000, 'x')).ok());
  Staged s = stage(app);
  Cleanup c(s);
  (void)base::removeTree(app);
  REQUIRE_MESSAGE(s.code == 0, s.output);
  CHECK(s.output.find("-----> gzip: off") != std::string::npos);
  CHECK_FALSE(base::pathExists(s.root + "/droplet/app/index.html.gz"));
  CHECK(s.result["process_types"]["web"] == "/tmp/lifecycle/static-server --no-gzip .");
}

TEST_CASE("buildpacks: examples/node is detected by nodejs_buildpack") {
  if (!have("node")) {
    MESSAGE("skipped: node is not installed");
    return;
  }
  Staged s = stage(example("node"));
  Cleanup c(s);
  REQUIRE_MESSAGE(s.code == 0, s.output);
  CHECK(s.output.find("-----> Using node v") != std::string::npos);
  CHECK(s.output.find("No dependencies to install") != std::string::npos);
  CHECK(s.output.find("(package.json engines.node: >=18)") != std::string::npos);
  CHECK(s.result["lifecycle_metadata"]["buildpack_key"] == "nodejs_buildpack");
  CHECK(s.result["process_types"]["web"] == "npm start");
  CHECK(base::pathExists(s.root + "/droplet/profile.d/nodejs.sh"));
}

TEST_CASE("buildpacks: a package.json engines.node the stack's node does not satisfy fails staging") {
  if (!have("node")) {
    MESSAGE("skipped: node is not installed");
    return;
  }
  char tmpl[] = "/tmp/mcf-buildpacks-app-XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  std::string app = tmpl;
  REQUIRE(base::writeFileAtomic(app + "/package.json",
                                R"({"name": "old", "engines": {"node": "0.10.x"}})")
              .ok());
  REQUIRE(base::writeFileAtomic(app + "/server.js", "require('http');\n").ok());
  Staged s = stage(app);
  Cleanup c(s);
  (void)base::removeTree(app);
  CHECK(s.code == kExitFinalizeFailed);
  CHECK(s.output.find("package.json asks for node 0.10.x (engines.node), but this stack has "
                      "node v") != std::string::npos);
}

TEST_CASE("buildpacks: examples/python is detected by python_buildpack; its Procfile gives web") {
  Staged s = stage(example("python"));
  Cleanup c(s);
  REQUIRE_MESSAGE(s.code == 0, s.output);
  CHECK(s.result["lifecycle_metadata"]["buildpack_key"] == "python_buildpack");
  CHECK(s.result["process_types"]["web"] == "python3 app.py");
  std::string profile = base::readFile(s.root + "/droplet/profile.d/python.sh").value();
  CHECK(profile.find("export PYTHONUNBUFFERED=1") != std::string::npos);
  CHECK(profile.find("VIRTUAL_ENV") == std::string::npos);  // nothing to install: no virtualenv
}

TEST_CASE("buildpacks: python requirements from vendor/ wheels go into a virtualenv that moves") {
  char tmpl[] = "/tmp/mcf-buildpacks-app-XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  std::string app = tmpl;
  // A pure-python wheel with a console script, made by hand (no network, no setuptools).
  std::string wheel = app + "/wheel";
  std::string info = wheel + "/microcfhello-1.0.dist-info";
  REQUIRE(base::makeDirs(wheel + "/microcfhello").ok());
  REQUIRE(base::makeDirs(info).ok());
  REQUIRE(base::writeFileAtomic(wheel + "/microcfhello/__init__.py",
                                "def main():\n    print('hello from a vendored wheel')\n")
              .ok());
  REQUIRE(base::writeFileAtomic(info + "/METADATA",
                                "Metadata-Version: 2.1\nName: microcfhello\nVersion: 1.0\n")
              .ok());
  REQUIRE(base::writeFileAtomic(info + "/WHEEL", "Wheel-Version: 1.0\nGenerator: test\n"
                                                 "Root-Is-Purelib: true\nTag: py3-none-any\n")
              .ok());
  REQUIRE(base::writeFileAtomic(info + "/entry_points.txt",
                                "[console_scripts]\nmicrocfhello = microcfhello:main\n")
              .ok());
  REQUIRE(base::writeFileAtomic(info + "/RECORD",
                                "microcfhello/__init__.py,,\nmicrocfhello-1.0.dist-info/METADATA,,\n"
                                "microcfhello-1.0.dist-info/WHEEL,,\n"
                                "microcfhello-1.0.dist-info/entry_points.txt,,\n"
                                "microcfhello-1.0.dist-info/RECORD,,\n")
              .ok());
  std::string src = app + "/src";
  REQUIRE(base::makeDirs(src + "/vendor").ok());
  REQUIRE(archive::create(wheel, src + "/vendor/microcfhello-1.0-py3-none-any.whl",
                          archive::Format::kZip)
              .ok());
  REQUIRE(base::writeFileAtomic(src + "/requirements.txt", "microcfhello==1.0\n").ok());
  REQUIRE(base::writeFileAtomic(src + "/app.py", "print('x')\n").ok());
  Staged s = stage(src);
  Cleanup c(s);
  REQUIRE_MESSAGE(s.code == 0, s.output);
  CHECK(s.output.find("Installing requirements from vendor/ with pip") != std::string::npos);
  std::string profile = base::readFile(s.root + "/droplet/profile.d/python.sh").value();
  CHECK(profile.find("export VIRTUAL_ENV=\"$DEPS_DIR/0/venv\"") != std::string::npos);
  // Moved elsewhere (as the droplet moves to /home/vcap/deps), its script still runs.
  std::string moved = app + "/moved";
  REQUIRE(base::makeDirs(moved).ok());
  REQUIRE(std::system(("cp -a '" + s.root + "/droplet/deps/0/venv' '" + moved + "/venv'").c_str()) == 0);
  std::string out;
  std::string cmd = "PATH='" + moved + "/venv/bin':/usr/bin:/bin microcfhello";
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[256];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    ::pclose(p);
  }
  (void)base::removeTree(app);
  CHECK(out == "hello from a vendored wheel\n");
}

TEST_CASE("buildpacks: python requirements without vendor/ fail staging with advice") {
  char tmpl[] = "/tmp/mcf-buildpacks-app-XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  std::string app = tmpl;
  REQUIRE(base::writeFileAtomic(app + "/requirements.txt", "# web\nflask==3.0\n").ok());
  REQUIRE(base::writeFileAtomic(app + "/app.py", "print('x')\n").ok());
  Staged s = stage(app);
  Cleanup c(s);
  (void)base::removeTree(app);
  CHECK(s.code == kExitFinalizeFailed);
  CHECK(s.output.find("python3 -m pip download -r requirements.txt -d vendor") !=
        std::string::npos);
}

TEST_CASE("buildpacks: examples/binary stages only when binary_buildpack is named") {
  Staged detected = stage(example("binary"));
  Cleanup c1(detected);
  CHECK(detected.code == kExitDetectFailed);
  CHECK(detected.output.find("None of the buildpacks detected a compatible application") !=
        std::string::npos);

  Staged named = stage(example("binary"), {"binary_buildpack"});
  Cleanup c2(named);
  REQUIRE_MESSAGE(named.code == 0, named.output);
  CHECK(named.result["lifecycle_metadata"]["buildpack_key"] == "binary_buildpack");
  CHECK(named.result["process_types"] == json::object());
  CHECK(named.output.find("No start command specified by buildpack or via Procfile.") !=
        std::string::npos);
  CHECK(::access((named.root + "/droplet/app/start.sh").c_str(), X_OK) == 0);
}

TEST_CASE("buildpacks: a Staticfile root that leaves the app fails staging") {
  char tmpl[] = "/tmp/mcf-buildpacks-app-XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  std::string app = tmpl;
  REQUIRE(base::writeFileAtomic(app + "/Staticfile", "root: ../elsewhere\n").ok());
  Staged s = stage(app);
  Cleanup c(s);
  (void)base::removeTree(app);
  CHECK(s.code == kExitFinalizeFailed);
  CHECK(s.output.find("must be a directory inside the app") != std::string::npos);
}

}  // namespace mcf::lifecycle
