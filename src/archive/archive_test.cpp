// Tests of create/validate/extract on real files, including hostile archives built here.
#include "archive/archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "base/fs.h"

using namespace mcf;
using archive::Format;
using base::Errc;

namespace {

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/mcf-archive-test-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { (void)base::removeTree(path); }
  std::string operator/(const std::string& rel) const { return path + "/" + rel; }
  std::string path;
};

std::vector<std::string> list(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (name != "." && name != "..") out.push_back(name);
    }
    closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

void put(const std::string& path, const std::string& data, int mode = 0644) {
  REQUIRE(base::writeFileAtomic(path, data, mode).ok());
}

int modeOf(const std::string& path) {
  struct stat st;
  REQUIRE(lstat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

std::string linkOf(const std::string& path) {
  char buf[4096];
  ssize_t n = readlink(path.c_str(), buf, sizeof buf);
  return n < 0 ? "" : std::string(buf, static_cast<size_t>(n));
}

std::string contents(const std::string& path) {
  auto r = base::readFile(path);
  return r.ok() ? *r : "<missing>";
}

// One entry of a hand-made archive.
struct Spec {
  std::string path;
  unsigned type = AE_IFREG;
  std::string data;  // file contents, or symlink target
  int mode = 0644;
  std::string hardlink;
};

enum class Kind { kTar, kTarGz, kZip };

// Writes entries exactly as given: libarchive's writer does not sanitize names.
void writeArchive(const std::string& path, Kind kind, const std::vector<Spec>& specs) {
  struct archive* w = archive_write_new();
  if (kind == Kind::kZip) {
    archive_write_set_format_zip(w);
  } else {
    archive_write_set_format_pax_restricted(w);
    if (kind == Kind::kTarGz) archive_write_add_filter_gzip(w);
  }
  REQUIRE(archive_write_open_filename(w, path.c_str()) == ARCHIVE_OK);
  for (const auto& s : specs) {
    struct archive_entry* e = archive_entry_new();
    archive_entry_copy_pathname(e, s.path.c_str());
    archive_entry_set_filetype(e, s.type);
    archive_entry_set_perm(e, static_cast<mode_t>(s.mode));
    archive_entry_set_mtime(e, 1700000000, 0);
    if (!s.hardlink.empty()) archive_entry_copy_hardlink(e, s.hardlink.c_str());
    if (s.type == AE_IFLNK) archive_entry_copy_symlink(e, s.data.c_str());
    if (s.type == AE_IFCHR) archive_entry_set_rdev(e, makedev(1, 3));
    bool has_data = s.type == AE_IFREG && s.hardlink.empty();
    archive_entry_set_size(e, has_data ? static_cast<la_int64_t>(s.data.size()) : 0);
    REQUIRE(archive_write_header(w, e) == ARCHIVE_OK);
    if (has_data && !s.data.empty()) archive_write_data(w, s.data.data(), s.data.size());
    archive_entry_free(e);
  }
  REQUIRE(archive_write_close(w) == ARCHIVE_OK);
  archive_write_free(w);
}

// The tree both round trips use.
void makeTree(const TempDir& t) {
  REQUIRE(base::makeDirs(t / "src/bin").ok());
  REQUIRE(base::makeDirs(t / "src/empty").ok());
  REQUIRE(base::makeDirs(t / "src/private").ok());
  REQUIRE(chmod((t / "src/private").c_str(), 0700) == 0);
  put(t / "src/index.html", "<h1>hi</h1>\n");
  put(t / "src/bin/run.sh", "#!/bin/sh\necho run\n", 0755);
  put(t / "src/private/secret", "s", 0600);
  put(t / "src/caf\xc3\xa9.txt", "utf8 name\n");
  put(t / "src/big.bin", std::string(300000, 'x'));
  REQUIRE(symlink("index.html", (t / "src/link").c_str()) == 0);
  REQUIRE(symlink("../index.html", (t / "src/bin/up").c_str()) == 0);
}

void checkTree(const std::string& out, bool zip) {
  CHECK(list(out) == std::vector<std::string>{"big.bin", "bin", "caf\xc3\xa9.txt", "empty",
                                               "index.html", "link", "private"});
  CHECK(contents(out + "/index.html") == "<h1>hi</h1>\n");
  CHECK(contents(out + "/big.bin") == std::string(300000, 'x'));
  CHECK(contents(out + "/caf\xc3\xa9.txt") == "utf8 name\n");
  CHECK(contents(out + "/bin/run.sh") == "#!/bin/sh\necho run\n");
  CHECK(modeOf(out + "/bin/run.sh") == 0755);
  CHECK(modeOf(out + "/index.html") == 0644);
  CHECK(modeOf(out + "/private/secret") == 0600);
  CHECK(linkOf(out + "/link") == "index.html");
  CHECK(linkOf(out + "/bin/up") == "../index.html");
  CHECK(contents(out + "/bin/up") == "<h1>hi</h1>\n");
  CHECK(base::isDirectory(out + "/empty"));
  CHECK(list(out + "/empty").empty());
  // The cf CLI puts directories in zips as 0755; tar keeps what the tree had.
  CHECK(modeOf(out + "/private") == (zip ? 0755 : 0700));
}

}  // namespace

TEST_CASE("zip round trip keeps contents, modes, symlinks and empty directories") {
  TempDir t;
  makeTree(t);
  REQUIRE(archive::create(t / "src", t / "app.zip", Format::kZip).ok());
  CHECK_FALSE(base::pathExists(t / "app.zip.tmp"));
  REQUIRE(archive::validate(t / "app.zip").ok());
  auto r = archive::extract(t / "app.zip", t / "out");
  INFO(std::string(r.ok() ? "" : r.error().message));
  REQUIRE(r.ok());
  checkTree(t / "out", true);
}

TEST_CASE("tar.gz round trip keeps contents, modes, symlinks and empty directories") {
  TempDir t;
  makeTree(t);
  REQUIRE(archive::create(t / "src", t / "droplet.tgz", Format::kTarGz).ok());
  REQUIRE(archive::validate(t / "droplet.tgz").ok());
  auto r = archive::extract(t / "droplet.tgz", t / "out/nested");
  INFO(std::string(r.ok() ? "" : r.error().message));
  REQUIRE(r.ok());
  checkTree(t / "out/nested", false);
  // gzip without a timestamp: the same tree gives the same bytes.
  REQUIRE(archive::create(t / "src", t / "again.tgz", Format::kTarGz).ok());
  CHECK(contents(t / "again.tgz") == contents(t / "droplet.tgz"));
}

TEST_CASE("create applies the filter to every path and skips refused subtrees") {
  TempDir t;
  REQUIRE(base::makeDirs(t / "src/.git/objects").ok());
  put(t / "src/.git/objects/x", "x");
  put(t / "src/manifest.yml", "applications: []\n");
  put(t / "src/app.py", "print(1)\n");
  REQUIRE(base::makeDirs(t / "src/lib").ok());
  put(t / "src/lib/m.py", "");
  std::vector<std::string> seen;
  auto filter = [&](const std::string& rel, bool is_dir) {
    seen.push_back(rel + (is_dir ? " dir" : ""));
    return rel != ".git" && rel != "manifest.yml";
  };
  REQUIRE(archive::create(t / "src", t / "app.zip", Format::kZip, filter).ok());
  CHECK(seen == std::vector<std::string>{".git dir", "app.py", "lib dir", "lib/m.py", "manifest.yml"});
  REQUIRE(archive::extract(t / "app.zip", t / "out").ok());
  CHECK(list(t / "out") == std::vector<std::string>{"app.py", "lib"});
  CHECK(contents(t / "out/lib/m.py") == "");
}

TEST_CASE("create does not archive its own output and reports a missing source") {
  TempDir t;
  REQUIRE(base::makeDirs(t / "src").ok());
  put(t / "src/a", "a");
  REQUIRE(archive::create(t / "src", t / "src/self.tgz", Format::kTarGz).ok());
  REQUIRE(archive::create(t / "src", t / "src/self.tgz", Format::kTarGz).ok());
  REQUIRE(archive::extract(t / "src/self.tgz", t / "out").ok());
  CHECK(list(t / "out") == std::vector<std::string>{"a"});

  auto missing = archive::create(t / "nope", t / "x.zip", Format::kZip);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == Errc::kNotFound);
  CHECK(list(t.path) == std::vector<std::string>{"out", "src"});
}

TEST_CASE("hostile archives are refused and nothing is written outside dest") {
  struct Row {
    const char* name;
    std::vector<Spec> specs;
    std::string named;  // the text the message must contain
  };
  // Each row writes a harmless file first, so a failed extract has something to clean up.
  Spec ok{"ok.txt", AE_IFREG, "fine"};
  std::vector<Row> rows = {
      {"dotdot", {ok, {"../x", AE_IFREG, "evil"}}, "entry '../x' points outside the app directory"},
      {"absolute", {ok, {"@ABS@", AE_IFREG, "evil"}}, "has an absolute path"},
      {"climb", {ok, {"a/../../x", AE_IFREG, "evil"}}, "entry 'a/../../x' points outside"},
      {"abs symlink", {ok, {"l", AE_IFLNK, "/etc/passwd", 0777}},
       "symlink 'l' points to '/etc/passwd', outside the app directory"},
      {"rel symlink", {ok, {"d/l", AE_IFLNK, "../../x", 0777}},
       "symlink 'd/l' points to '../../x', outside the app directory"},
      {"write through symlink", {ok, {"l", AE_IFLNK, ".", 0777}, {"l/x", AE_IFREG, "evil"}},
       "entry 'l/x' lies under the symlink 'l'"},
      {"hardlink", {ok, {"h", AE_IFREG, "", 0644, "../x"}},
       "hard link 'h' points to '../x', outside the app directory"},
      {"char device", {ok, {"null", AE_IFCHR, "", 0666}}, "entry 'null' is a character device"},
      {"fifo", {ok, {"pipe", AE_IFIFO, "", 0644}}, "entry 'pipe' is a fifo"},
  };
  for (auto kind : {Kind::kTar, Kind::kTarGz, Kind::kZip}) {
    for (auto& row : rows) {
      std::string name = row.name;
      // zip has no hardlinks, and libarchive's zip writer cannot write devices or fifos
      if (kind == Kind::kZip && (name == "hardlink" || name == "char device" || name == "fifo"))
        continue;
      CAPTURE(name);
      CAPTURE(static_cast<int>(kind));
      TempDir t;
      std::string work = t / "work";
      REQUIRE(base::makeDirs(work).ok());
      put(work + "/x", "original");  // what "../x" and the hardlink aim at
      std::vector<Spec> specs = row.specs;
      for (auto& s : specs)
        if (s.path == "@ABS@") s.path = work + "/abs-x";
      writeArchive(t / "evil", kind, specs);

      auto v = archive::validate(t / "evil");
      REQUIRE_FALSE(v.ok());
      CHECK(v.error().code == Errc::kInvalid);
      CHECK(v.error().message.find(row.named) != std::string::npos);
      CHECK(v.error().message.rfind("The app archive is invalid: ", 0) == 0);

      auto e = archive::extract(t / "evil", work + "/dest");
      REQUIRE_FALSE(e.ok());
      CHECK(e.error().code == Errc::kInvalid);
      CHECK(e.error().message.find(row.named) != std::string::npos);
      // dest was created by this extract, so it is gone again, and nothing else appeared.
      CHECK(list(work) == std::vector<std::string>{"x"});
      CHECK(contents(work + "/x") == "original");
      CHECK(list(t.path) == std::vector<std::string>{"evil", "work"});
    }
  }
}

TEST_CASE("a droplet's links may point anywhere in the container, but nothing is written through them") {
  TempDir t;
  std::string tgz = t.path + "/droplet.tgz";
  writeArchive(tgz, Kind::kTarGz,
               {{"deps/0/bin/python", AE_IFLNK, "/usr/bin/python3", 0777},
                {"app/up", AE_IFLNK, "../../..", 0777},
                {"app/index.html", AE_IFREG, "hi"}});
  std::string out = t.path + "/out";
  CHECK_FALSE(mcf::archive::extract(tgz, out).ok());  // an app upload may not do this
  std::string out2 = t.path + "/out2";
  mcf::archive::Limits droplet;
  droplet.container_symlinks = true;
  REQUIRE(mcf::archive::extract(tgz, out2, droplet).ok());
  CHECK(linkOf(out2 + "/deps/0/bin/python") == "/usr/bin/python3");
  CHECK(contents(out2 + "/app/index.html") == "hi");
  // Entries below a link stay refused, so the links cannot be used to write outside.
  std::string evil = t.path + "/evil.tgz";
  writeArchive(evil, Kind::kTarGz,
               {{"l", AE_IFLNK, "/tmp", 0777}, {"l/microcf-escaped", AE_IFREG, "x"}});
  CHECK_FALSE(mcf::archive::extract(evil, t.path + "/out3", droplet).ok());
  CHECK_FALSE(mcf::base::pathExists("/tmp/microcf-escaped"));
}

TEST_CASE("a failed extract into an existing dest removes only what it created") {
  TempDir t;
  REQUIRE(base::makeDirs(t / "dest/old").ok());
  put(t / "dest/keep.txt", "keep");
  writeArchive(t / "a.tar", Kind::kTar,
               {{"new/a.txt", AE_IFREG, "a"}, {"old/b.txt", AE_IFREG, "b"}, {"../x", AE_IFREG, "x"}});
  REQUIRE_FALSE(archive::extract(t / "a.tar", t / "dest").ok());
  CHECK(list(t / "dest") == std::vector<std::string>{"keep.txt", "old"});
  CHECK(list(t.path) == std::vector<std::string>{"a.tar", "dest"});
}

TEST_CASE("a symlink already in dest is never written through") {
  TempDir t;
  REQUIRE(base::makeDirs(t / "outside").ok());
  REQUIRE(base::makeDirs(t / "dest").ok());
  REQUIRE(symlink((t / "outside").c_str(), (t / "dest/out").c_str()) == 0);
  writeArchive(t / "a.tar", Kind::kTar, {{"out/pwned", AE_IFREG, "x"}});
  auto r = archive::extract(t / "a.tar", t / "dest");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("'out/pwned'") != std::string::npos);
  CHECK(list(t / "outside").empty());
}

TEST_CASE("limits give kTooLarge in validate and extract") {
  TempDir t;
  writeArchive(t / "big.zip", Kind::kZip,
               {{"a", AE_IFREG, std::string(60, 'a')}, {"b", AE_IFREG, std::string(60, 'b')}});
  archive::Limits bytes{100, 100};
  auto v = archive::validate(t / "big.zip", bytes);
  REQUIRE_FALSE(v.ok());
  CHECK(v.error().code == Errc::kTooLarge);
  CHECK(v.error().message.find("more than 100B") != std::string::npos);
  auto e = archive::extract(t / "big.zip", t / "out", bytes);
  REQUIRE_FALSE(e.ok());
  CHECK(e.error().code == Errc::kTooLarge);
  CHECK_FALSE(base::pathExists(t / "out"));

  archive::Limits entries{1000, 1};
  CHECK(archive::validate(t / "big.zip", entries).error().code == Errc::kTooLarge);
  CHECK(archive::validate(t / "big.zip", archive::Limits{120, 2}).ok());
}

TEST_CASE("something that is not an archive gets a clear kInvalid") {
  TempDir t;
  put(t / "notes.txt", "just some text, not an archive\n");
  auto v = archive::validate(t / "notes.txt");
  REQUIRE_FALSE(v.ok());
  CHECK(v.error().code == Errc::kInvalid);
  CHECK(v.error().message.find("is not a readable zip or tar archive") != std::string::npos);
  CHECK(v.error().message.find("Upload a zip or tar.gz file") != std::string::npos);
  auto e = archive::extract(t / "notes.txt", t / "out");
  CHECK(e.error().code == Errc::kInvalid);
  CHECK_FALSE(base::pathExists(t / "out"));
  CHECK(archive::validate(t / "missing.zip").error().code == Errc::kNotFound);
}

TEST_CASE("modes are made safe: defaults, no set-id bits, deletable directories") {
  TempDir t;
  writeArchive(t / "m.zip", Kind::kZip,
               {{"nomode", AE_IFREG, "x", 0}, {"nodir/", AE_IFDIR, "", 0},
                {"suid", AE_IFREG, "x", 04755}, {"ro/", AE_IFDIR, "", 0555},
                {"ro/f", AE_IFREG, "f", 0444}});
  REQUIRE(archive::extract(t / "m.zip", t / "out").ok());
  CHECK(modeOf(t / "out/nomode") == 0644);
  CHECK(modeOf(t / "out/nodir") == 0755);
  CHECK(modeOf(t / "out/suid") == 0755);
  CHECK(modeOf(t / "out/ro") == 0755);
  CHECK(modeOf(t / "out/ro/f") == 0444);
}

TEST_CASE("hardlinks inside the tree are extracted") {
  TempDir t;
  writeArchive(t / "h.tar", Kind::kTar,
               {{"a", AE_IFREG, "same"}, {"d/b", AE_IFREG, "", 0644, "a"}});
  REQUIRE(archive::validate(t / "h.tar").ok());
  REQUIRE(archive::extract(t / "h.tar", t / "out").ok());
  CHECK(contents(t / "out/d/b") == "same");
  struct stat a, b;
  REQUIRE(stat((t / "out/a").c_str(), &a) == 0);
  REQUIRE(stat((t / "out/d/b").c_str(), &b) == 0);
  CHECK(a.st_ino == b.st_ino);
}

TEST_CASE("an empty directory gives archives that extract to an empty tree") {
  TempDir t;
  REQUIRE(base::makeDirs(t / "src").ok());
  for (auto format : {Format::kZip, Format::kTarGz}) {
    std::string out = t / (format == Format::kZip ? "e.zip" : "e.tgz");
    REQUIRE(archive::create(t / "src", out, format).ok());
    CHECK(archive::validate(out).ok());
    REQUIRE(archive::extract(out, out + ".d").ok());
    CHECK(base::isDirectory(out + ".d"));
    CHECK(list(out + ".d").empty());
  }
}
