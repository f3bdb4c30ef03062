// Tests of stack names and the registry of built stemcells (scan, checksum, extraction).
#include "runner/stacks.h"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "archive/archive.h"
#include "base/fs.h"
#include "base/log.h"
#include "blobstore/digest.h"
#include "loop/loop.h"

using namespace mcf;
using namespace mcf::runner;

namespace {

// A data dir with microcf's stemcell/ folder (host/etc/{passwd,group}), stemcells/ and stacks/.
struct Dirs {
  Dirs() {
    base::setLogLevel(base::LogLevel::kError);  // the registry's INFO/WARN lines are expected
    char tmpl[] = "/tmp/mcf-stacks-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    root = tmpl;
    config.stemcell_dir = root + "/stemcell";
    config.stemcells_dir = root + "/stemcells";
    config.stacks_dir = root + "/stacks";
    REQUIRE(base::makeDirs(config.stemcell_dir + "/host/etc").ok());
    REQUIRE(base::writeFileAtomic(config.stemcell_dir + "/host/etc/passwd", "root:x:0:0::/:\n").ok());
    REQUIRE(base::writeFileAtomic(config.stemcell_dir + "/host/etc/group", "root:x:0:\n").ok());
    REQUIRE(base::makeDirs(config.stemcells_dir).ok());
  }
  ~Dirs() {
    base::setLogLevel(base::LogLevel::kInfo);
    (void)base::removeTree(root);
  }

  // Builds <name>-<version>.tar.gz from a tiny tree (usr/bin/hello, etc/os-release, the
  // bin -> usr/bin link) and its metadata; sha256 "" means the tarball's real one.
  void addStemcell(const std::string& name, const std::string& version, std::string sha = "") {
    std::string tree = root + "/tree-" + name + "-" + version;
    REQUIRE(base::makeDirs(tree + "/usr/bin").ok());
    REQUIRE(base::makeDirs(tree + "/etc").ok());
    REQUIRE(base::writeFileAtomic(tree + "/usr/bin/hello", "#!/bin/sh\necho hi\n", 04755).ok());
    REQUIRE(base::writeFileAtomic(tree + "/etc/os-release", "ID=" + name + "\n").ok());
    REQUIRE(::symlink("usr/bin", (tree + "/bin").c_str()) == 0);
    std::string tarball = config.stemcells_dir + "/" + name + "-" + version + ".tar.gz";
    REQUIRE(archive::create(tree, tarball, archive::Format::kTarGz).ok());
    if (sha.empty()) sha = *blobstore::hashFile(tarball, blobstore::DigestAlgo::kSha256);
    nlohmann::json meta = {{"name", name},
                           {"version", version},
                           {"tarball", name + "-" + version + ".tar.gz"},
                           {"sha256", sha},
                           {"description", name + " for tests"}};
    REQUIRE(base::writeFileAtomic(config.stemcells_dir + "/" + name + "-" + version + ".json",
                                  meta.dump())
                .ok());
  }

  // Rescans and runs the loop until the registry has settled.
  void settle(StackRegistry& reg) {
    bool done = false;
    reg.rescan([&] { done = true; });
    loop.runUntil([&] { return done; });
  }

  std::vector<std::string> names(const StackRegistry& reg) {
    std::vector<std::string> out;
    for (const auto& s : reg.list()) out.push_back(s.name);
    return out;
  }

  std::string root;
  StackRegistryConfig config;
  loop::Loop loop;
};

}  // namespace

TEST_CASE("Cloud Foundry's stack names and an empty one name the default stack, host") {
  CHECK(canonicalStackName("cflinuxfs4") == "host");
  CHECK(canonicalStackName("cflinuxfs3") == "host");
  CHECK(canonicalStackName("") == "host");
  CHECK(canonicalStackName("bookworm") == "bookworm");
  std::vector<Stack> stacks = {hostStack("/s"), Stack{"bookworm", "", StackKind::kRootfs, "/r", "1"}};
  CHECK(findStack(stacks, "cflinuxfs4")->name == "host");
  CHECK(findStack(stacks, "cflinuxfs4")->dir == "/s/host");
  CHECK(findStack(stacks, "bookworm")->dir == "/r");
  auto missing = findStack(stacks, "nope");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == base::Errc::kInvalid);
  CHECK(missing.error().message == "Stack 'nope' not found. Available stacks: host, bookworm.");
}

TEST_CASE("stemcell metadata must name a plain name, version, tarball and a sha256") {
  std::string sha(64, 'a');
  auto ok = parseStemcellMeta(
      R"({"name":"bookworm","version":"20250520-1","sha256":")" + sha + R"("})", "/d");
  REQUIRE(ok.ok());
  CHECK(ok->tarball == "/d/bookworm-20250520-1.tar.gz");
  CHECK_FALSE(parseStemcellMeta(R"({"name":"../x","version":"1","sha256":")" + sha + "\"}", "/d").ok());
  CHECK_FALSE(parseStemcellMeta(R"({"name":"x","version":"1","sha256":"abc"})", "/d").ok());
  CHECK_FALSE(parseStemcellMeta(
      R"({"name":"x","version":"1","tarball":"../x.tgz","sha256":")" + sha + "\"}", "/d").ok());
  auto alias = parseStemcellMeta(R"({"name":"cflinuxfs4","version":"1","sha256":")" + sha + "\"}", "/d");
  REQUIRE_FALSE(alias.ok());
  CHECK(alias.error().message.find("host stack's name") != std::string::npos);
  CHECK_FALSE(parseStemcellMeta("[]", "/d").ok());
}

TEST_CASE("the registry offers host alone until a stemcell is built") {
  Dirs d;
  auto reg = StackRegistry::open(d.loop, d.config);
  REQUIRE(reg.ok());
  d.settle(**reg);
  CHECK(d.names(**reg) == std::vector<std::string>{"host"});
  CHECK((*reg)->list()[0].kind == StackKind::kHost);
  CHECK((*reg)->list()[0].dir == d.config.stemcell_dir + "/host");
  CHECK((*reg)->find("cflinuxfs4")->name == "host");
  CHECK((*reg)->find("nope").error().message == "Stack 'nope' not found. Available stacks: host.");
}

TEST_CASE("the registry refuses to open without the host stemcell's users") {
  Dirs d;
  ::unlink((d.config.stemcell_dir + "/host/etc/group").c_str());
  auto reg = StackRegistry::open(d.loop, d.config);
  REQUIRE_FALSE(reg.ok());
  CHECK(reg.error().message.find("host/etc/group is missing") != std::string::npos);
}

TEST_CASE("a built stemcell is verified, extracted once and offered as a rootfs stack") {
  Dirs d;
  d.addStemcell("tiny", "20250101-aaaa");
  auto reg = StackRegistry::open(d.loop, d.config);
  REQUIRE(reg.ok());
  d.settle(**reg);
  CHECK(d.names(**reg) == std::vector<std::string>{"host", "tiny"});
  auto tiny = (*reg)->find("tiny");
  REQUIRE(tiny.ok());
  CHECK(tiny->kind == StackKind::kRootfs);
  CHECK(tiny->version == "20250101-aaaa");
  CHECK(tiny->description == "tiny for tests");
  CHECK(tiny->dir == d.config.stacks_dir + "/tiny/20250101-aaaa/rootfs");
  CHECK(*base::readFile(tiny->dir + "/etc/os-release") == "ID=tiny\n");
  CHECK(std::filesystem::read_symlink(tiny->dir + "/bin") == "usr/bin");
  struct stat st;
  REQUIRE(::stat((tiny->dir + "/usr/bin/hello").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0755);  // the setuid bit is dropped
  // No temp dir is left beside the extracted version.
  int entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(d.config.stacks_dir + "/tiny")) {
    (void)e;
    ++entries;
  }
  CHECK(entries == 1);

  // A second registry (the next `up`) trusts the extracted tree: offered at once, no work.
  auto again = StackRegistry::open(d.loop, d.config);
  REQUIRE(again.ok());
  (*again)->rescan();
  CHECK_FALSE((*again)->busy());
  CHECK(d.names(**again) == std::vector<std::string>{"host", "tiny"});
}

TEST_CASE("a stemcell whose tarball does not match its sha256 is not offered, and says why") {
  Dirs d;
  d.addStemcell("broken", "1", std::string(64, '0'));
  auto reg = StackRegistry::open(d.loop, d.config);
  REQUIRE(reg.ok());
  d.settle(**reg);
  CHECK(d.names(**reg) == std::vector<std::string>{"host"});
  auto found = (*reg)->find("broken");
  REQUIRE_FALSE(found.ok());
  CHECK(found.error().code == base::Errc::kInvalid);
  CHECK(found.error().message.find("Stack 'broken' is not offered") == 0);
  CHECK(found.error().message.find("but its metadata says 0000") != std::string::npos);
  CHECK_FALSE(base::pathExists(d.config.stacks_dir + "/broken/1"));
  // Refused once, not hashed again on every lookup.
  (*reg)->rescan();
  CHECK_FALSE((*reg)->busy());
}

TEST_CASE("a stemcell built while microcf runs is found by the next lookup") {
  Dirs d;
  auto reg = StackRegistry::open(d.loop, d.config);
  REQUIRE(reg.ok());
  d.settle(**reg);
  d.addStemcell("late", "2");
  auto first = (*reg)->find("late");
  REQUIRE_FALSE(first.ok());
  CHECK(first.error().code == base::Errc::kUnavailable);
  CHECK(first.error().message.find("Stack 'late' is being prepared") == 0);
  d.loop.runUntil([&] { return !(*reg)->busy(); });
  CHECK((*reg)->find("late")->kind == StackKind::kRootfs);
}
