// Tests of the resource pool: SHA-1 keys, links, verification on use, the bounds and eviction.
#include "blobstore/resource_pool.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include "base/fs.h"
#include "blobstore/blobstore.h"

using namespace mcf;
using blobstore::ResourcePool;

namespace {

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/mcf-pool-test-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { (void)base::removeTree(path); }
  std::string operator/(const std::string& rel) const { return path + "/" + rel; }
  std::string path;
};

// Sets a file's mtime to secs seconds after the epoch (the pool's "last used").
void setMtime(const std::string& path, time_t secs) {
  struct timespec times[2] = {{secs, 0}, {secs, 0}};
  REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
}

}  // namespace

TEST_CASE("files of any size are pooled by sha1, as links of the added file") {
  TempDir t;
  auto pool = ResourcePool::open(t / "pool");
  REQUIRE(pool.ok());
  auto& p = **pool;

  REQUIRE(base::writeFileAtomic(t / "one", "x").ok());
  std::string sha1 = *blobstore::sha1File(t / "one");
  CHECK_FALSE(p.has(sha1, 1));
  REQUIRE(p.add(t / "one").ok());
  CHECK(p.has(sha1, 1));
  CHECK_FALSE(p.has(sha1, 2));  // same sha1, other size: no match
  CHECK(p.path(sha1) == t / "pool/" + sha1.substr(0, 2) + "/" + sha1);
  CHECK(*base::readFile(p.path(sha1)) == "x");
  struct stat a, b;
  REQUIRE(::stat((t / "one").c_str(), &a) == 0);
  REQUIRE(::stat(p.path(sha1).c_str(), &b) == 0);
  CHECK(a.st_ino == b.st_ino);  // a link, not a copy
  CHECK(::unlink((t / "one").c_str()) == 0);  // the upload's scratch folder goes away
  CHECK(p.has(sha1, 1));
  CHECK(p.usage().entries == 1);
  CHECK(p.usage().bytes == 1);

  REQUIRE(base::writeFileAtomic(t / "again", "x").ok());
  REQUIRE(p.add(t / "again").ok());  // pooled already: counted once
  CHECK(p.usage().entries == 1);

  REQUIRE(p.copyOut(sha1, 1, t / "out", 0750).ok());
  CHECK(*base::readFile(t / "out") == "x");
  struct stat out;
  REQUIRE(::stat((t / "out").c_str(), &out) == 0);
  CHECK((out.st_mode & 0777) == 0750);
  CHECK(p.copyOut(sha1, 1, t / "out", 0644).error().code == base::Errc::kIo);  // dest exists
  CHECK(p.copyOut(sha1, 5, t / "out5", 0644).error().code == base::Errc::kNotFound);
  CHECK_FALSE(base::pathExists(t / "out5"));
  CHECK(p.has(sha1, 1));  // a wrong size asked for does not drop a good entry
  CHECK(p.copyOut(std::string(40, 'e'), 3, t / "missing", 0644).error().code ==
        base::Errc::kNotFound);
}

TEST_CASE("empty files match without an entry; big files, symlinks and bad sha1s are left alone") {
  TempDir t;
  auto opened = ResourcePool::open(t / "pool");
  REQUIRE(opened.ok());
  auto p = std::move(opened).value();

  REQUIRE(base::writeFileAtomic(t / "empty", "").ok());
  REQUIRE(*blobstore::sha1File(t / "empty") == ResourcePool::kEmptySha1);
  REQUIRE(p->add(t / "empty").ok());
  CHECK(base::treeSize(t / "pool") == 0);
  CHECK(p->has(ResourcePool::kEmptySha1, 0));
  CHECK_FALSE(p->has(std::string(40, 'a'), 0));
  REQUIRE(p->copyOut(ResourcePool::kEmptySha1, 0, t / "made-empty", 0600).ok());
  CHECK(*base::readFile(t / "made-empty") == "");

  // Sparse, so the test does not write half a gigabyte.
  int fd = ::open((t / "huge").c_str(), O_WRONLY | O_CREAT, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::ftruncate(fd, ResourcePool::kMaxSize + 1) == 0);
  ::close(fd);
  REQUIRE(p->add(t / "huge").ok());
  CHECK(base::treeSize(t / "pool") == 0);

  REQUIRE(base::writeFileAtomic(t / "real", "real").ok());
  REQUIRE(::symlink((t / "real").c_str(), (t / "link").c_str()) == 0);
  REQUIRE(p->add(t / "link").ok());
  CHECK(base::treeSize(t / "pool") == 0);

  CHECK_FALSE(p->has("../../etc/passwd", 4));
  CHECK(p->path("../../etc/passwd") == "");
  CHECK(p->path(std::string(64, 'a')) == "");  // a sha256 is not a sha1
  CHECK(p->copyOut("../../etc/passwd", 4, t / "x", 0644).error().code == base::Errc::kInvalid);
  CHECK(p->add(t / "missing").error().code == base::Errc::kNotFound);
}

TEST_CASE("a torn or altered pool entry is never copied out, and is dropped") {
  TempDir t;
  auto opened = ResourcePool::open(t / "pool");
  REQUIRE(opened.ok());
  auto p = std::move(opened).value();
  REQUIRE(base::writeFileAtomic(t / "app.js", "console.log(1)").ok());
  std::string sha1 = *blobstore::sha1File(t / "app.js");
  REQUIRE(p->add(t / "app.js").ok());

  // The same size, other bytes (what a crash may leave of an unsynced file).
  REQUIRE(::unlink((t / "app.js").c_str()) == 0);
  {
    int fd = ::open(p->path(sha1).c_str(), O_WRONLY | O_TRUNC);
    REQUIRE(fd >= 0);
    REQUIRE(::write(fd, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 14) == 14);
    ::close(fd);
  }
  CHECK(p->has(sha1, 14));  // has() looks at the size only
  CHECK(p->copyOut(sha1, 14, t / "out", 0644).error().code == base::Errc::kNotFound);
  CHECK_FALSE(base::pathExists(t / "out"));
  CHECK_FALSE(p->has(sha1, 14));
  CHECK(p->usage().entries == 0);

  // Truncated: has() no longer matches it, and add() replaces it.
  REQUIRE(base::writeFileAtomic(t / "app.js", "console.log(1)").ok());
  REQUIRE(p->add(t / "app.js").ok());
  REQUIRE(::truncate(p->path(sha1).c_str(), 3) == 0);
  CHECK_FALSE(p->has(sha1, 14));
  REQUIRE(base::writeFileAtomic(t / "app2.js", "console.log(1)").ok());
  REQUIRE(p->add(t / "app2.js").ok());
  CHECK(p->has(sha1, 14));
  REQUIRE(p->copyOut(sha1, 14, t / "out", 0644).ok());
  CHECK(*base::readFile(t / "out") == "console.log(1)");
}

TEST_CASE("past its bounds the pool evicts the entries used least recently") {
  TempDir t;
  ResourcePool::Limits limits;
  limits.max_entries = 10;
  limits.max_bytes = 1000;
  auto opened = ResourcePool::open(t / "pool", limits);
  REQUIRE(opened.ok());
  auto p = std::move(opened).value();
  std::vector<std::string> sha1s;
  for (int i = 0; i < 10; ++i) {
    std::string f = t / ("f" + std::to_string(i));
    REQUIRE(base::writeFileAtomic(f, "file " + std::to_string(i)).ok());
    sha1s.push_back(*blobstore::sha1File(f));
    REQUIRE(p->add(f).ok());
    setMtime(p->path(sha1s.back()), 1000 + i);  // f0 used longest ago
  }
  CHECK(p->usage().entries == 10);
  // Using f0 makes it the newest; adding an eleventh evicts down to 9: f1 and f2 go.
  REQUIRE(p->copyOut(sha1s[0], 6, t / "used", 0644).ok());
  REQUIRE(base::writeFileAtomic(t / "f10", "file 10").ok());
  REQUIRE(p->add(t / "f10").ok());
  CHECK(p->usage().entries == 9);
  CHECK(p->has(sha1s[0], 6));
  CHECK_FALSE(p->has(sha1s[1], 6));
  CHECK_FALSE(p->has(sha1s[2], 6));
  CHECK(p->has(sha1s[3], 6));
  CHECK(p->has(*blobstore::sha1File(t / "f10"), 7));

  // The byte bound too: one 950-byte file leaves room for at most 900 bytes in all.
  REQUIRE(base::writeFileAtomic(t / "big", std::string(950, 'b')).ok());
  REQUIRE(p->add(t / "big").ok());
  CHECK(p->usage().bytes <= 900);
  CHECK(p->usage().entries == 0);  // the big one was the newest but alone is past 90%

  // A reopened pool counts what is on disk.
  REQUIRE(base::writeFileAtomic(t / "g", "g").ok());
  REQUIRE(p->add(t / "g").ok());
  auto again = ResourcePool::open(t / "pool", limits);
  REQUIRE(again.ok());
  CHECK((*again)->usage().entries == 1);
  CHECK((*again)->usage().bytes == 1);
}
