// End-to-end tests of the builder: small fake buildpacks in a temp dir, real bash scripts.
#include "lifecycle/builder.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "base/buildpack_url.h"
#include "base/fs.h"
#include "lifecycle/testing/run_builder.h"
#include "base/strutil.h"

namespace mcf::lifecycle {

using nlohmann::json;

namespace {

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/mcf-lifecycle-test-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() { (void)base::removeTree(path); }
  std::string operator/(const std::string& rel) const { return base::joinPath(path, rel); }
  std::string path;
};

void writeFile(const std::string& path, const std::string& content, int mode = 0644) {
  REQUIRE(base::makeDirs(path.substr(0, path.rfind('/'))).ok());
  REQUIRE(base::writeFileAtomic(path, content, mode).ok());
}

std::string readFile(const std::string& path) {
  auto r = base::readFile(path);
  return r ? *r : "<missing " + path + ">";
}

struct Run {
  int code;
  std::string output;  // stdout and stderr together, as the stager's STG lines would show
};

class Staging {
 public:
  Staging() {
    opts.build_dir = tmp / "app";
    opts.buildpacks_dir = tmp / "buildpacks";
    opts.cache_dir = tmp / "cache";
    opts.output_droplet = tmp / "droplet";
    opts.output_metadata = tmp / "out/result.json";
    writeFile(opts.build_dir + "/index.html", "hello");
  }

  // scripts: name → bash body (a shebang is added).
  void buildpack(const std::string& name, const std::map<std::string, std::string>& scripts,
                 const std::string& version = "") {
    for (const auto& [script, body] : scripts)
      writeFile(opts.buildpacks_dir + "/" + name + "/bin/" + script, "#!/bin/bash\n" + body, 0755);
    if (!version.empty()) writeFile(opts.buildpacks_dir + "/" + name + "/VERSION", version + "\n");
  }

  Run run() {
    auto [code, output] = runBuilderCaptured(opts, tmp / "builder.log");
    REQUIRE(code >= 0);  // -1: the log could not be opened
    return {code, output};
  }

  json result() { return json::parse(readFile(opts.output_metadata)); }
  json stagingInfo() { return json::parse(readFile(opts.output_droplet + "/staging_info.yml")); }
  std::string droplet(const std::string& rel) { return base::joinPath(opts.output_droplet, rel); }

  TempDir tmp;
  BuilderOptions opts;
};

const char* kReleaseWeb = "echo '---'\necho 'default_process_types:'\necho '  web: ./start.sh'\n";

}  // namespace

TEST_CASE("builder: the first buildpack whose detect succeeds stages the app") {
  Staging s;
  s.buildpack(
      "first",
      {{"detect", "exit 1\n"}, {"compile", "touch \"$1/first-ran\"\n"}, {"release", kReleaseWeb}});
  s.buildpack("second",
              {{"detect", "echo '  Second  '\nexit 0\n"},
               {"compile",
                "echo \"-----> compiling $1\"\necho cached > \"$2/marker\"\n"
                "echo compiled > \"$1/compiled.txt\"\n"},
               {"release", kReleaseWeb}},
              "1.2.3");
  s.buildpack(
      "third",
      {{"detect", "exit 0\n"}, {"compile", "touch \"$1/third-ran\"\n"}, {"release", kReleaseWeb}});
  writeFile(s.opts.build_dir + "/start.sh", "#!/bin/bash\necho hi\n", 0755);
  REQUIRE(::symlink("index.html", (s.opts.build_dir + "/link.html").c_str()) == 0);
  s.opts.buildpack_order = {"first", "second", "third"};

  Run r = s.run();
  REQUIRE_MESSAGE(r.code == 0, r.output);
  CHECK(r.output.find("-----> compiling " + s.opts.build_dir) != std::string::npos);

  // The app moved into the droplet with its modes and symlinks.
  CHECK(readFile(s.droplet("app/compiled.txt")) == "compiled\n");
  CHECK_FALSE(base::pathExists(s.droplet("app/first-ran")));
  CHECK_FALSE(base::pathExists(s.droplet("app/third-ran")));
  struct stat st;
  REQUIRE(::stat(s.droplet("app/start.sh").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0755);
  REQUIRE(::lstat(s.droplet("app/link.html").c_str(), &st) == 0);
  CHECK(S_ISLNK(st.st_mode));
  for (const char* dir : {"profile.d", "tmp", "logs", "deps"})
    CHECK_MESSAGE(base::isDirectory(s.droplet(dir)), dir);
  // A legacy compile buildpack gets no deps/IDX; its cache is cache/final.
  CHECK_FALSE(base::pathExists(s.droplet("deps/0")));
  CHECK(readFile(s.opts.cache_dir + "/final/marker") == "cached\n");

  // Without config.yml the buildpack is named by its trimmed detect output.
  CHECK(s.stagingInfo() == json{{"detected_buildpack", "Second"},
                                {"start_command", "./start.sh"},
                                {"config", json::object()}});
  CHECK(s.result() == json::parse(R"({
    "lifecycle_metadata": {"buildpack_key": "second", "detected_buildpack": "Second",
      "buildpacks": [{"key": "second", "name": "Second", "version": "1.2.3"}]},
    "process_types": {"web": "./start.sh"},
    "execution_metadata": "",
    "lifecycle_type": "buildpack"})"));
}

TEST_CASE("builder: no buildpack detects the app → 222") {
  Staging s;
  s.buildpack("a", {{"detect", "exit 1\n"}});
  s.buildpack("b", {{"detect", "echo nope >&2; exit 2\n"}});
  writeFile(s.opts.buildpacks_dir + "/a/manifest.yml",
            "---\nlanguage: a\n# what it wants\ndetects: \"an a.txt\"\n");
  writeFile(s.opts.buildpacks_dir + "/b/manifest.yml", "language: b\n");
  s.opts.buildpack_order = {"a", "missing", "b"};
  Run r = s.run();
  CHECK(r.code == 222);
  CHECK(r.output.find("None of the buildpacks detected a compatible application") !=
        std::string::npos);
  CHECK(r.output.find("nope") != std::string::npos);
  // What each looks for, from its manifest.yml's detects: line, in order.
  CHECK(r.output.find("Buildpacks tried:\n  a: looks for an a.txt\n  missing: (custom detection)\n"
                      "  b: (custom detection)\n") != std::string::npos);
  CHECK_FALSE(base::pathExists(s.opts.output_metadata));
}

TEST_CASE("builder: failures exit with Cloud Foundry's codes and show the buildpack's output") {
  Staging s;
  s.opts.buildpack_order = {"bp"};

  SUBCASE("compile fails → 223") {
    s.buildpack("bp", {{"detect", "exit 0\n"},
                       {"compile", "echo 'gcc: error' >&2; exit 1\n"},
                       {"release", kReleaseWeb}});
    Run r = s.run();
    CHECK(r.code == 223);
    CHECK(r.output.find("gcc: error") != std::string::npos);
    CHECK(r.output.find("Failed to compile droplet: exit status 1") != std::string::npos);
  }
  SUBCASE("release prints something that is not a mapping → 224") {
    s.buildpack("bp", {{"detect", "exit 0\n"},
                       {"compile", "exit 0\n"},
                       {"release", "echo 'this is not yaml'\n"}});
    Run r = s.run();
    CHECK(r.code == 224);
    CHECK(r.output.find("buildpack's release output invalid") != std::string::npos);
  }
  SUBCASE("release prints broken YAML → 224") {
    s.buildpack("bp", {{"detect", "exit 0\n"},
                       {"compile", "exit 0\n"},
                       {"release", "echo 'default_process_types: {web: \"x\"'\n"}});
    CHECK(s.run().code == 224);
  }
  SUBCASE("release fails → 224") {
    s.buildpack("bp", {{"detect", "exit 0\n"}, {"compile", "exit 0\n"}, {"release", "exit 3\n"}});
    Run r = s.run();
    CHECK(r.code == 224);
    CHECK(r.output.find("Failed to build droplet release: exit status 3") != std::string::npos);
  }
  SUBCASE("finalize fails → 226") {
    s.buildpack("bp", {{"detect", "exit 0\n"}, {"finalize", "exit 1\n"}, {"release", kReleaseWeb}});
    Run r = s.run();
    CHECK(r.code == 226);
    CHECK(r.output.find("Failed to run finalize script") != std::string::npos);
  }
  SUBCASE("a buildpack with neither finalize nor compile → 223") {
    s.buildpack("bp", {{"detect", "exit 0\n"}, {"release", kReleaseWeb}});
    Run r = s.run();
    CHECK(r.code == 223);
    CHECK(r.output.find("neither bin/finalize nor bin/compile") != std::string::npos);
  }
  SUBCASE("a non-executable script is reported, not run") {
    s.buildpack("bp", {{"detect", "exit 0\n"}, {"compile", "exit 0\n"}, {"release", kReleaseWeb}});
    ::chmod((s.opts.buildpacks_dir + "/bp/bin/compile").c_str(), 0644);
    Run r = s.run();
    CHECK(r.code == 223);
    CHECK(r.output.find("chmod +x") != std::string::npos);
  }
}

TEST_CASE("builder: named buildpacks supply into deps/IDX and the last one finalizes") {
  Staging s;
  ::setenv("MCF_BUILDER_TEST_VAR", "from-the-platform", 1);
  s.buildpack("supplier",
              {{"supply",
                "echo \"$1|$2|$3|$4|$MCF_BUILDER_TEST_VAR\" > \"$3/$4/args\"\n"
                "mkdir -p \"$3/$4/bin\"; echo tool > \"$3/$4/bin/tool\"\n"
                "printf 'name: Supplier Deluxe\\nversion: \"9.9\"\\n' > \"$3/$4/config.yml\"\n"},
               {"detect", "exit 1\n"}});
  s.buildpack("finalizer",
              {{"supply", "echo \"$2\" > \"$3/$4/supply-cache\"\n"},
               {"finalize",
                "echo \"$1|$2|$3|$4|$5\" > \"$3/$4/args\"\n"
                "test -f \"$3/0/bin/tool\" || { echo 'no tool from the supplier' >&2; exit 1; }\n"
                "echo 'export FROM_FINALIZE=1' > \"$5/finalizer.sh\"\n"},
               {"release", kReleaseWeb}},
              "2.0.0");
  s.opts.buildpack_order = {"supplier", "finalizer"};
  s.opts.skip_detect = true;
  writeFile(s.opts.cache_dir + "/stale/x", "old cache of a buildpack no longer used");
  writeFile(s.opts.cache_dir + "/final/kept", "final cache survives");

  Run r = s.run();
  REQUIRE_MESSAGE(r.code == 0, r.output);
  std::string deps = s.droplet("deps");
  std::string supply_cache = s.opts.cache_dir + "/" + base::hexEncode("supplier");
  CHECK(readFile(deps + "/0/args") ==
        s.opts.build_dir + "|" + supply_cache + "|" + deps + "|0|from-the-platform\n");
  CHECK(readFile(deps + "/1/supply-cache") == s.opts.cache_dir + "/final\n");
  CHECK(readFile(deps + "/1/args") == s.opts.build_dir + "|" + s.opts.cache_dir + "/final|" + deps +
                                          "|1|" + s.droplet("profile.d") + "\n");
  CHECK(readFile(s.droplet("profile.d/finalizer.sh")) == "export FROM_FINALIZE=1\n");
  CHECK(base::isDirectory(supply_cache));
  CHECK_FALSE(base::pathExists(s.opts.cache_dir + "/stale"));
  CHECK(readFile(s.opts.cache_dir + "/final/kept") == "final cache survives");
  // The builder names a buildpack that wrote no config.yml itself.
  CHECK(base::trim(readFile(deps + "/1/config.yml")) ==
        "name: \"finalizer\"\nversion: \"2.0.0\"\nconfig: {}");

  json lm = s.result()["lifecycle_metadata"];
  CHECK(lm["buildpack_key"] == "finalizer");
  CHECK(lm["detected_buildpack"] == "finalizer");
  CHECK(lm["buildpacks"] == json::parse(R"([
    {"key": "supplier", "name": "Supplier Deluxe", "version": "9.9"},
    {"key": "finalizer", "name": "finalizer", "version": "2.0.0"}])"));
}

TEST_CASE("builder: a supply buildpack without bin/supply → 225") {
  Staging s;
  s.buildpack("old", {{"detect", "exit 0\n"}, {"compile", "exit 0\n"}, {"release", kReleaseWeb}});
  s.buildpack("new", {{"finalize", "exit 0\n"}, {"release", kReleaseWeb}});
  s.opts.buildpack_order = {"old", "new"};
  s.opts.skip_detect = true;
  Run r = s.run();
  CHECK(r.code == 225);
  CHECK(r.output.find("does not support multi-buildpack apps") != std::string::npos);
}

TEST_CASE("builder: a compile-only final buildpack after supply buildpacks gets a warning") {
  Staging s;
  s.buildpack("sup", {{"supply", "exit 0\n"}});
  s.buildpack("legacy", {{"compile", "exit 0\n"}, {"release", kReleaseWeb}});
  s.opts.buildpack_order = {"sup", "legacy"};
  s.opts.skip_detect = true;
  Run r = s.run();
  CHECK(r.code == 0);
  CHECK(r.output.find("Warning: the last buildpack is not compatible with multi-buildpack apps") !=
        std::string::npos);
}

TEST_CASE("builder: the Procfile overrides the buildpack's process types") {
  Staging s;
  s.buildpack("bp",
              {{"detect", "exit 0\n"},
               {"finalize", "exit 0\n"},
               {"release",
                "printf 'default_process_types:\\n  web: ./bp-web\\n  worker: ./bp-worker\\n'\n"}});
  writeFile(s.opts.build_dir + "/Procfile", "web: python3 app.py --port $PORT\n");
  s.opts.buildpack_order = {"bp"};
  Run r = s.run();
  REQUIRE_MESSAGE(r.code == 0, r.output);
  CHECK(s.result()["process_types"] ==
        json{{"web", "python3 app.py --port $PORT"}, {"worker", "./bp-worker"}});
  CHECK(s.stagingInfo()["start_command"] == "python3 app.py --port $PORT");
}

TEST_CASE("builder: deps/IDX/launch.yml replaces bin/release") {
  Staging s;
  s.buildpack(
      "bp",
      {{"detect", "exit 0\n"},
       {"finalize",
        "printf 'processes:\\n- type: web\\n  command: ./launch-web\\n' > \"$3/$4/launch.yml\"\n"},
       {"release", "exit 1\n"}});
  s.opts.buildpack_order = {"bp"};
  Run r = s.run();
  REQUIRE_MESSAGE(r.code == 0, r.output);
  CHECK(s.result()["process_types"] == json{{"web", "./launch-web"}});
}

TEST_CASE("builder: no start command is reported but staging succeeds") {
  Staging s;
  s.buildpack("bp", {{"detect", "exit 0\n"}, {"finalize", "exit 0\n"}, {"release", "echo ---\n"}});
  s.opts.buildpack_order = {"bp"};
  Run r = s.run();
  CHECK(r.code == 0);
  CHECK(r.output.find("No start command specified by buildpack or via Procfile.") !=
        std::string::npos);
  CHECK(s.stagingInfo()["start_command"] == "");
  CHECK(s.result()["process_types"] == json::object());
}

TEST_CASE("builder: a Procfile without a web type gets a hint naming the types it has") {
  Staging s;
  s.buildpack("bp", {{"detect", "exit 0\n"}, {"finalize", "exit 0\n"}, {"release", "echo ---\n"}});
  writeFile(s.opts.build_dir + "/Procfile", "worker: ./work\nclock: ./tick\n");
  s.opts.buildpack_order = {"bp"};
  Run r = s.run();
  REQUIRE_MESSAGE(r.code == 0, r.output);
  CHECK(r.output.find("The Procfile has no 'web' process type (it has: clock, worker): add a line "
                      "'web: <command>'") != std::string::npos);
  CHECK(s.result()["process_types"] == json{{"clock", "./tick"}, {"worker", "./work"}});
}

TEST_CASE("builder: a broken Procfile fails staging and says so") {
  Staging s;
  s.buildpack("bp", {{"detect", "exit 0\n"}, {"finalize", "exit 0\n"}, {"release", kReleaseWeb}});
  writeFile(s.opts.build_dir + "/Procfile", "web:\n  nested: map\n");
  s.opts.buildpack_order = {"bp"};
  Run r = s.run();
  CHECK(r.code == kExitProcfileInvalid);
  CHECK(r.output.find("Failed to read command from Procfile: line 1: 'web:' is not 'TYPE: "
                      "COMMAND'") != std::string::npos);
}

TEST_CASE("builder: a Procfile line without a colon is named") {
  Staging s;
  s.buildpack("bp", {{"detect", "exit 0\n"}, {"finalize", "exit 0\n"}, {"release", kReleaseWeb}});
  writeFile(s.opts.build_dir + "/Procfile", "# processes\nweb python3 app.py\n");
  s.opts.buildpack_order = {"bp"};
  Run r = s.run();
  CHECK(r.code == kExitProcfileInvalid);
  CHECK(r.output.find("Failed to read command from Procfile: line 2: 'web python3 app.py' is "
                      "not 'TYPE: COMMAND'") != std::string::npos);
}

TEST_CASE("procfileBadLine names the first line that is not TYPE: COMMAND") {
  CHECK(procfileBadLine("web: ./run\n\n# c\nworker-1: ./w --x\r\n") == "");
  CHECK(procfileBadLine("web: ok\n: nothing\n").starts_with("line 2: ': nothing'"));
  CHECK(procfileBadLine("web:./x\n").starts_with("line 1:"));
  CHECK(procfileBadLine("we b: x\n").starts_with("line 1:"));
}

TEST_CASE("builder: URL buildpacks are found in the download dir under their key") {
  Staging s;
  const std::string supplier = "file:///somewhere/supplier";
  const std::string finalizer = "https://example.com/finalizer.git#v1";
  s.opts.buildpacks_download_dir = s.tmp / "downloads";
  auto put = [&](const std::string& url, const std::string& sub,
                 const std::map<std::string, std::string>& scripts) {
    for (const auto& [script, body] : scripts)
      writeFile(s.opts.buildpacks_download_dir + "/" + base::buildpackUrlKey(url) + sub + "/bin/" +
                    script,
                "#!/bin/bash\n" + body, 0755);
  };
  put(supplier, "", {{"supply", "mkdir -p \"$3/$4/bin\"; echo tool > \"$3/$4/bin/tool\"\n"}});
  // Fetched buildpacks may keep their single top-level folder.
  put(finalizer, "/finalizer-1.0",
      {{"finalize", "test -f \"$3/0/bin/tool\" || exit 1\n"},
       {"release", kReleaseWeb}});
  s.opts.buildpack_order = {supplier, finalizer};
  s.opts.skip_detect = true;
  Run r = s.run();
  REQUIRE_MESSAGE(r.code == 0, r.output);
  json lm = s.result()["lifecycle_metadata"];
  CHECK(lm["buildpacks"][0]["key"] == supplier);
  CHECK(lm["buildpacks"][1]["key"] == finalizer);
  CHECK(lm["buildpacks"][1]["name"] == finalizer);
  CHECK(base::isDirectory(s.opts.cache_dir + "/url-" + base::buildpackUrlKey(supplier)));
}

TEST_CASE("builder: a URL without a download dir, and names with '/', are refused") {
  Staging s;
  s.opts.buildpack_order = {"file:///tmp/bp"};
  s.opts.skip_detect = true;
  Run r = s.run();
  CHECK(r.code != 0);
  CHECK(r.output.find("no -buildpacksDownloadDir") != std::string::npos);

  Staging t;
  t.opts.buildpacks_download_dir = t.tmp / "downloads";
  t.opts.buildpack_order = {"../etc"};
  t.opts.skip_detect = true;
  Run r2 = t.run();
  CHECK(r2.code != 0);
  CHECK(r2.output.find("is not a buildpack name") != std::string::npos);
}

TEST_CASE("parseBuilderArgs accepts Go's flag forms") {
  auto o =
      parseBuilderArgs({"-buildDir=/x/app", "--buildpacksDir=/x/bps", "-buildpackOrder", "a, b,,c",
                        "-skipDetect", "-outputDroplet=rel/droplet",
                        "-outputBuildArtifactsCache=/tmp/output-cache", "-skipCertVerify=false"});
  REQUIRE(o.ok());
  CHECK(o->build_dir == "/x/app");
  CHECK(o->buildpacks_dir == "/x/bps");
  CHECK(o->buildpack_order == std::vector<std::string>{"a", "b", "c"});
  CHECK(o->skip_detect);
  CHECK(o->output_droplet[0] == '/');
  CHECK(o->output_droplet.ends_with("/rel/droplet"));
  CHECK(o->cache_dir == "/tmp/cache");
  CHECK(o->buildpacks_download_dir.empty());
  CHECK(parseBuilderArgs({"-buildpacksDownloadDir=/tmp/dl"})->buildpacks_download_dir == "/tmp/dl");
  CHECK_FALSE(parseBuilderArgs({"-skipDetect=false"})->skip_detect);

  auto unknown = parseBuilderArgs({"-bogus=1"});
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().message == "flag provided but not defined: -bogus");
  CHECK(parseBuilderArgs({"-bogus"}).error().message == "flag provided but not defined: -bogus");
  CHECK_FALSE(parseBuilderArgs({"-skipDetect=maybe"}).ok());
  CHECK_FALSE(parseBuilderArgs({"-buildDir"}).ok());
  CHECK_FALSE(parseBuilderArgs({"stray"}).ok());
}

TEST_CASE("depsIndex pads to the digits of the buildpack count") {
  CHECK(depsIndex(0, 1) == "0");
  CHECK(depsIndex(3, 4) == "3");
  CHECK(depsIndex(3, 12) == "03");
  CHECK(depsIndex(11, 12) == "11");
}

}  // namespace mcf::lifecycle
