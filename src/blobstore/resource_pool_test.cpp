// Tests of the resource pool: SHA-1 keys, the size window, and what add() leaves alone.
#include "blobstore/resource_pool.h"

#include <fcntl.h>
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

std::string bytes(int64_t n, char c) { return std::string(static_cast<size_t>(n), c); }

}  // namespace

TEST_CASE("files inside the size window are pooled by sha1") {
  TempDir t;
  auto pool = ResourcePool::open(t / "pool");
  REQUIRE(pool.ok());
  auto& p = **pool;

  REQUIRE(base::writeFileAtomic(t / "at-min", bytes(ResourcePool::kMinSize, 'a')).ok());
  std::string sha1 = *blobstore::sha1File(t / "at-min");
  CHECK_FALSE(p.has(sha1, ResourcePool::kMinSize));
  REQUIRE(p.add(t / "at-min").ok());
  CHECK(p.has(sha1, ResourcePool::kMinSize));
  CHECK_FALSE(p.has(sha1, ResourcePool::kMinSize + 1));  // same sha1, other size: no match
  CHECK(p.path(sha1) == t / "pool/" + sha1.substr(0, 2) + "/" + sha1);
  CHECK(*base::readFile(p.path(sha1)) == bytes(ResourcePool::kMinSize, 'a'));
  CHECK(base::pathExists(t / "at-min"));  // pooled as a copy
  REQUIRE(p.add(t / "at-min").ok());       // again: a no-op
}

TEST_CASE("files outside the window, symlinks and bad sha1s are left alone") {
  TempDir t;
  auto opened = ResourcePool::open(t / "pool");
  REQUIRE(opened.ok());
  auto p = std::move(opened).value();

  REQUIRE(base::writeFileAtomic(t / "small", bytes(ResourcePool::kMinSize - 1, 'b')).ok());
  std::string small = *blobstore::sha1File(t / "small");
  REQUIRE(p->add(t / "small").ok());
  CHECK_FALSE(p->has(small, ResourcePool::kMinSize - 1));
  CHECK_FALSE(base::pathExists(p->path(small)));

  // Sparse, so the test does not write half a gigabyte.
  int fd = ::open((t / "huge").c_str(), O_WRONLY | O_CREAT, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::ftruncate(fd, ResourcePool::kMaxSize + 1) == 0);
  ::close(fd);
  REQUIRE(p->add(t / "huge").ok());
  CHECK(base::treeSize(t / "pool") == 0);

  REQUIRE(base::writeFileAtomic(t / "real", bytes(ResourcePool::kMinSize, 'c')).ok());
  REQUIRE(::symlink((t / "real").c_str(), (t / "link").c_str()) == 0);
  REQUIRE(p->add(t / "link").ok());
  CHECK(base::treeSize(t / "pool") == 0);

  CHECK_FALSE(p->has("../../etc/passwd", ResourcePool::kMinSize));
  CHECK(p->path("../../etc/passwd") == "");
  CHECK(p->path(std::string(64, 'a')) == "");  // a sha256 is not a sha1
  CHECK(p->add(t / "missing").error().code == base::Errc::kNotFound);
}
