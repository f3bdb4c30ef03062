// Tests of fetching custom buildpacks: folders, zips and local git repositories.
#include "stager/buildpack_fetch.h"

#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive/archive.h"
#include "base/fs.h"
#include "base/strutil.h"

namespace mcf::stager {

namespace {

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/mcf-bpfetch-test-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() { (void)base::removeTree(path); }
  std::string operator/(const std::string& rel) const { return base::joinPath(path, rel); }
  std::string path;
};

void writeScript(const std::string& path, const std::string& body) {
  REQUIRE(base::makeDirs(path.substr(0, path.rfind('/'))).ok());
  REQUIRE(base::writeFileAtomic(path, "#!/bin/bash\n" + body, 0755).ok());
}

std::string read(const std::string& path) {
  auto r = base::readFile(path);
  return r ? *r : "<missing>";
}

int sh(const std::string& cmd) { return ::system(("(" + cmd + ") >/dev/null 2>&1").c_str()); }

std::string errorOf(const base::Status& st) { return st.ok() ? "<ok>" : st.error().message; }

}  // namespace

TEST_CASE("planFetch: folders, zips, git and http zips") {
  CHECK(planFetch("file:///tmp/bp").kind == FetchKind::kDirectory);
  CHECK(planFetch("file:///tmp/bp").source == "/tmp/bp");
  CHECK(planFetch("file:///tmp/bp.ZIP").kind == FetchKind::kZip);
  auto local = planFetch("file:///tmp/repo#v1");
  CHECK(local.kind == FetchKind::kGit);
  CHECK(local.source == "file:///tmp/repo");
  CHECK(local.ref == "v1");
  CHECK(planFetch("https://example.com/bp.zip").kind == FetchKind::kHttpZip);
  CHECK(planFetch("https://example.com/bp.zip?x=1").kind == FetchKind::kHttpZip);
  auto gh = planFetch("https://github.com/cloudfoundry/python-buildpack#v1.8.0");
  CHECK(gh.kind == FetchKind::kGit);
  CHECK(gh.source == "https://github.com/cloudfoundry/python-buildpack");
  CHECK(gh.ref == "v1.8.0");
  CHECK(planFetch("git@github.com:org/bp.git").kind == FetchKind::kGit);
  CHECK(fetchStartLine("file:///tmp/repo#v1") == "Cloning file:///tmp/repo at v1...");
  CHECK(fetchStartLine("file:///tmp/bp") == "Downloading buildpack file:///tmp/bp...");
}

TEST_CASE("fetchBuildpack copies a folder, keeping its modes and links") {
  TempDir t;
  writeScript(t / "bp/bin/detect", "exit 0\n");
  writeScript(t / "bp/bin/compile", "exit 0\n");
  REQUIRE(::symlink("/etc/passwd", (t / "bp/outside").c_str()) == 0);
  REQUIRE(fetchBuildpack("file://" + t.path + "/bp", t / "out/key").ok());
  CHECK(::access((t / "out/key/bin/detect").c_str(), X_OK) == 0);
  char target[64] = {};
  REQUIRE(::readlink((t / "out/key/outside").c_str(), target, sizeof target - 1) > 0);
  CHECK(std::string(target) == "/etc/passwd");  // a link, not a copy of the host's file

  // A link to the folder: its content is copied, not the link.
  REQUIRE(::symlink((t / "bp").c_str(), (t / "bp-link").c_str()) == 0);
  REQUIRE(fetchBuildpack("file://" + t.path + "/bp-link", t / "out/linked").ok());
  struct stat st;
  REQUIRE(::lstat((t / "out/linked").c_str(), &st) == 0);
  CHECK(S_ISDIR(st.st_mode));
  CHECK(::access((t / "out/linked/bin/compile").c_str(), X_OK) == 0);
}

TEST_CASE("fetchBuildpack extracts a zip and unwraps its single top-level folder") {
  TempDir t;
  writeScript(t / "src/my-bp-1.0/bin/supply", "exit 0\n");
  writeScript(t / "src/my-bp-1.0/bin/finalize", "exit 0\n");
  REQUIRE(archive::create(t / "src", t / "bp.zip", archive::Format::kZip).ok());
  auto st = fetchBuildpack("file://" + t.path + "/bp.zip", t / "out/key");
  REQUIRE_MESSAGE(st.ok(), errorOf(st));
  CHECK(::access((t / "out/key/bin/finalize").c_str(), X_OK) == 0);
  CHECK_FALSE(base::pathExists(t / "out/key/my-bp-1.0"));
}

TEST_CASE("fetchBuildpack clones a local git repository at a tag, a branch or a commit") {
  TempDir t;
  std::string repo = t / "repo";
  writeScript(repo + "/bin/detect", "echo v1\n");
  writeScript(repo + "/bin/compile", "exit 0\n");
  std::string git = "cd " + repo + " && git -c init.defaultBranch=main init -q && " +
                    "git config user.email t@example.com && git config user.name t && ";
  REQUIRE(sh(git + "git add -A && git commit -qm one && git tag v1") == 0);
  writeScript(repo + "/bin/detect", "echo v2\n");
  REQUIRE(sh("cd " + repo + " && git commit -qam two") == 0);

  auto st = fetchBuildpack("file://" + repo + "#v1", t / "out/tag");
  REQUIRE_MESSAGE(st.ok(), errorOf(st));
  CHECK(read(t / "out/tag/bin/detect") == "#!/bin/bash\necho v1\n");
  CHECK_FALSE(base::pathExists(t / "out/tag/.git"));

  st = fetchBuildpack("file://" + repo + "#main", t / "out/branch");
  REQUIRE_MESSAGE(st.ok(), errorOf(st));
  CHECK(read(t / "out/branch/bin/detect") == "#!/bin/bash\necho v2\n");

  REQUIRE(sh("cd " + repo + " && git rev-parse HEAD~1 > ../sha") == 0);
  std::string sha = base::trim(read(t / "sha"));
  st = fetchBuildpack("file://" + repo + "#" + sha, t / "out/sha");
  REQUIRE_MESSAGE(st.ok(), errorOf(st));
  CHECK(read(t / "out/sha/bin/detect") == "#!/bin/bash\necho v1\n");

  st = fetchBuildpack("file://" + repo + "#no-such-ref", t / "out/bad");
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().code == base::Errc::kStagingError);
  CHECK(st.error().message.starts_with("Failed to clone git repository at file://" + repo +
                                       "#no-such-ref: "));
  CHECK(st.error().message.find("no-such-ref") != std::string::npos);
  CHECK_FALSE(base::pathExists(t / "out/bad"));
}

TEST_CASE("fetchBuildpack: missing paths and folders that are not buildpacks") {
  TempDir t;
  auto missing = fetchBuildpack("file://" + t.path + "/nope", t / "out/a");
  CHECK(errorOf(missing) == "Buildpack file://" + t.path + "/nope not found");
  CHECK(errorOf(fetchBuildpack("file://" + t.path + "/nope#v1", t / "out/b")) ==
        "Buildpack file://" + t.path + "/nope#v1 not found");

  REQUIRE(base::makeDirs(t / "app").ok());
  REQUIRE(base::writeFileAtomic(t / "app/index.html", "hi").ok());
  CHECK(errorOf(fetchBuildpack("file://" + t.path + "/app", t / "out/c")) ==
        "file://" + t.path +
            "/app is not a buildpack: it has no bin/detect, bin/supply, bin/compile or "
            "bin/finalize");
  CHECK_FALSE(base::pathExists(t / "out/c"));

  REQUIRE(base::writeFileAtomic(t / "junk.zip", "not a zip").ok());
  CHECK(errorOf(fetchBuildpack("file://" + t.path + "/junk.zip", t / "out/d"))
            .starts_with("Buildpack file://" + t.path + "/junk.zip is not a usable zip"));
}

TEST_CASE("fetchBuildpack clones a local repository's submodules") {
  TempDir t;
  std::string lib = t / "lib", repo = t / "repo";
  writeScript(lib + "/helper.sh", "echo helped\n");
  writeScript(repo + "/bin/compile", "exit 0\n");
  std::string setup = " && git -c init.defaultBranch=main init -q && git config user.email "
                      "t@example.com && git config user.name t";
  REQUIRE(sh("cd " + lib + setup + " && git add -A && git commit -qm lib") == 0);
  REQUIRE(sh("cd " + repo + setup + " && git -c protocol.file.allow=always submodule add -q " +
             "file://" + lib + " lib && git add -A && git commit -qm bp && git tag v1") == 0);
  auto st = fetchBuildpack("file://" + repo + "#v1", t / "out/bp");
  REQUIRE_MESSAGE(st.ok(), errorOf(st));
  CHECK(read(t / "out/bp/lib/helper.sh") == "#!/bin/bash\necho helped\n");
}

}  // namespace mcf::stager
