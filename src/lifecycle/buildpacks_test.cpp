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
  CHECK(adminOrder() == std::vector<std::string>{"staticfile_buildpack", "java_buildpack",
                                                 "nodejs_buildpack", "go_buildpack",
                                                 "python_buildpack", "binary_buildpack"});
}

TEST_CASE("buildpacks: each one says in manifest.yml what it detects") {
  for (const std::string& name : adminOrder()) {
    CAPTURE(name);
    CHECK_FALSE(buildpackDetects(std::string(MCF_BUILDPACKS_DIR) + "/" + name).empty());
  }
  CHECK(buildpackDetects(std::string(MCF_BUILDPACKS_DIR) + "/go_buildpack") ==
        "go.mod, or *.go files");
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
  CHECK(detected.output.find("  go_buildpack: looks for go.mod, or *.go files\n") !=
        std::string::npos);
  CHECK(detected.output.find("  binary_buildpack: looks for nothing: name it with -b "
                             "binary_buildpack\n") != std::string::npos);

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

// Runs `bash -c script` and returns its stdout.
static std::string shell(const std::string& script) {
  std::string out;
  std::string quoted = "'";
  for (char c : script) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  quoted += "'";
  if (FILE* p = ::popen(("bash -c " + quoted).c_str(), "r")) {
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    ::pclose(p);
  }
  return out;
}

TEST_CASE("buildpacks: examples/go is detected by go_buildpack and built, or fails clearly without go") {
  Staged s = stage(example("go"));
  Cleanup c(s);
  CHECK(s.output.find("-----> Go Buildpack version 1.0.0") != std::string::npos);
  if (!have("go")) {
    CHECK(s.code == kExitSupplyFailed);
    CHECK(s.output.find("This app needs Go to build, and the stack 'host' has no go command. "
                        "Install Go on the stack (apt-get install golang-go) or push a prebuilt "
                        "binary with -b binary_buildpack -c ./app") != std::string::npos);
    return;
  }
  REQUIRE_MESSAGE(s.code == 0, s.output);
  CHECK(s.result["lifecycle_metadata"]["buildpack_key"] == "go_buildpack");
  CHECK(s.result["process_types"]["web"] == "./bin/hello");
  CHECK(::access((s.root + "/droplet/app/bin/hello").c_str(), X_OK) == 0);
  CHECK(base::isDirectory(s.root + "/cache/final/go-build"));
}

TEST_CASE("buildpacks: go_buildpack detects *.go files without go.mod and names the binary app") {
  char tmpl[] = "/tmp/mcf-buildpacks-app-XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  std::string app = tmpl;
  REQUIRE(base::writeFileAtomic(app + "/main.go", "package main\nfunc main() {}\n").ok());
  std::string bp = std::string(MCF_BUILDPACKS_DIR) + "/go_buildpack";
  CHECK(shell("'" + bp + "/bin/detect' '" + app + "'") == "go\n");
  CHECK(shell("'" + bp + "/bin/release' '" + app + "'") ==
        "---\ndefault_process_types:\n  web: ./bin/app\n");
  REQUIRE(base::writeFileAtomic(app + "/go.mod", "module github.com/x/server/v2\n\ngo 1.21\n").ok());
  CHECK(shell("'" + bp + "/bin/release' '" + app + "'") ==
        "---\ndefault_process_types:\n  web: ./bin/server\n");
  // GO_INSTALL_PACKAGE_SPEC: the first package names the web binary; a pattern names none.
  CHECK(shell("GO_INSTALL_PACKAGE_SPEC='./cmd/worker/ ./cmd/x' '" + bp + "/bin/release' '" + app +
              "'") == "---\ndefault_process_types:\n  web: ./bin/worker\n");
  CHECK(shell("GO_INSTALL_PACKAGE_SPEC=./cmd/... '" + bp + "/bin/release' '" + app + "'") ==
        "---\ndefault_process_types: {}\n");
  (void)base::removeTree(app);
}

TEST_CASE("buildpacks: examples/java (a directory with the jar) runs with java -jar") {
  Staged s = stage(example("java"));
  Cleanup c(s);
  CHECK(s.output.find("-----> Java Buildpack version 1.0.0") != std::string::npos);
  if (!have("java")) {
    CHECK(s.code == kExitSupplyFailed);
    CHECK(s.output.find("This app needs Java to run, and the stack 'host' has no java command.") !=
          std::string::npos);
    return;
  }
  REQUIRE_MESSAGE(s.code == 0, s.output);
  CHECK(s.output.find("-----> Using openjdk version") != std::string::npos);
  CHECK(s.result["lifecycle_metadata"]["buildpack_key"] == "java_buildpack");
  CHECK(s.result["process_types"]["web"] == "java $JAVA_OPTS -jar hello.jar");
  // JAVA_OPTS come from the instance's memory limit at start, then the app's own.
  std::string profile = s.root + "/droplet/profile.d/java.sh";
  REQUIRE(base::pathExists(profile));
  CHECK(shell("MEMORY_LIMIT=512m JAVA_OPTS=-Dapp=1; . '" + profile + "'; echo \"$JAVA_OPTS\"") ==
        "-Xmx384m -Xss256k -XX:MaxMetaspaceSize=64m -XX:ReservedCodeCacheSize=32m "
        "-XX:+ExitOnOutOfMemoryError -Dapp=1\n");
  CHECK(shell("MEMORY_LIMIT=2g; unset JAVA_OPTS; . '" + profile + "'; echo \"$JAVA_OPTS\"") ==
        "-Xmx1536m -Xss256k -XX:MaxMetaspaceSize=256m -XX:ReservedCodeCacheSize=128m "
        "-XX:+ExitOnOutOfMemoryError\n");
}

TEST_CASE("buildpacks: an unpacked jar (as cf push app.jar uploads it) runs its Main-Class") {
  if (!have("java")) {
    MESSAGE("skipped: java is not installed");
    return;
  }
  char tmpl[] = "/tmp/mcf-buildpacks-app-XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  std::string app = tmpl;
  REQUIRE(archive::extract(example("java") + "/hello.jar", app).ok());
  Staged s = stage(app);
  Cleanup c(s);
  (void)base::removeTree(app);
  REQUIRE_MESSAGE(s.code == 0, s.output);
  CHECK(s.result["lifecycle_metadata"]["buildpack_key"] == "java_buildpack");
  CHECK(s.result["process_types"]["web"] == "java $JAVA_OPTS -cp . Hello");
  CHECK(s.output.find("Running the unpacked jar's Main-Class Hello") != std::string::npos);
}

TEST_CASE("buildpacks: java_buildpack reads the manifest: no Main-Class, continuations, Class-Path") {
  char tmpl[] = "/tmp/mcf-buildpacks-app-XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  std::string app = tmpl;
  REQUIRE(base::makeDirs(app + "/META-INF").ok());
  REQUIRE(base::writeFileAtomic(app + "/META-INF/MANIFEST.MF",
                                "Manifest-Version: 1.0\r\nCreated-By: x\r\n").ok());
  std::string bp = std::string(MCF_BUILDPACKS_DIR) + "/java_buildpack";
  CHECK(shell("'" + bp + "/bin/detect' '" + app + "' || echo no") == "no\n");
  // A Main-Class split over a continuation line, with CRLF, as jar tools wrap long lines.
  REQUIRE(base::writeFileAtomic(app + "/META-INF/MANIFEST.MF",
                                "Manifest-Version: 1.0\r\nMain-Class: com.example.very.long\r\n"
                                " .Main\r\nClass-Path: lib/a.jar lib/b\r\n .jar\r\n").ok());
  CHECK(shell("'" + bp + "/bin/detect' '" + app + "'") == "java\n");
  CHECK(shell("'" + bp + "/bin/release' '" + app + "'") ==
        "---\ndefault_process_types:\n  web: 'java $JAVA_OPTS -cp .:lib/a.jar:lib/b.jar "
        "com.example.very.long.Main'\n");
  (void)base::removeTree(app);
}

}  // namespace mcf::lifecycle
