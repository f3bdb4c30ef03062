// Tests of the blobstore: keys, copy and move, removal, and keys that try to escape root.
#include "blobstore/blobstore.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <doctest/doctest.h>

#include <vector>

#include "base/fs.h"

using namespace mcf;
using base::Errc;

namespace {

const char* kHelloSha256 = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";
const char* kHelloSha1 = "f572d396fae9206628714fb2ce00f72e94f2258f";

struct TempDir {
  explicit TempDir(const char* base = "/tmp") {
    std::string tmpl = std::string(base) + "/mcf-blob-test-XXXXXX";
    path = mkdtemp(tmpl.data());
  }
  ~TempDir() { (void)base::removeTree(path); }
  std::string operator/(const std::string& rel) const { return path + "/" + rel; }
  std::string path;
};

struct stat statOf(const std::string& path) {
  struct stat st{};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st;
}

std::unique_ptr<blobstore::Blobstore> openStore(const std::string& root) {
  auto store = blobstore::Blobstore::open(root);
  REQUIRE(store.ok());
  return std::move(store).value();
}

}  // namespace

TEST_CASE("file digests are lowercase hex of the content") {
  TempDir t;
  REQUIRE(base::writeFileAtomic(t / "hello", "hello\n").ok());
  CHECK(*blobstore::sha256File(t / "hello") == kHelloSha256);
  CHECK(*blobstore::sha1File(t / "hello") == kHelloSha1);
  REQUIRE(base::writeFileAtomic(t / "empty", "").ok());
  CHECK(*blobstore::sha1File(t / "empty") == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  // Bigger than one read block.
  REQUIRE(base::writeFileAtomic(t / "big", std::string(3 << 20, 'a')).ok());
  CHECK(blobstore::sha256File(t / "big")->size() == 64);
  CHECK(blobstore::sha256File(t / "missing").error().code == Errc::kNotFound);
}

TEST_CASE("put copies, stores read-only under root/<aa>/<key>, and has/path/remove agree") {
  TempDir t;
  auto store = blobstore::Blobstore::open(t / "blobs");
  REQUIRE(store.ok());
  auto& bs = **store;
  REQUIRE(base::writeFileAtomic(t / "package.zip", "hello\n").ok());

  auto key = bs.put(t / "package.zip", false);
  REQUIRE(key.ok());
  CHECK(*key == kHelloSha256);
  CHECK(bs.path(*key) == t / "blobs/58/" + kHelloSha256);
  CHECK(bs.has(*key));
  CHECK(*base::readFile(bs.path(*key)) == "hello\n");
  CHECK((statOf(bs.path(*key)).st_mode & 0777) == 0444);
  CHECK(base::pathExists(t / "package.zip"));  // a copy leaves the source

  REQUIRE(bs.remove(*key).ok());
  CHECK_FALSE(bs.has(*key));
  CHECK_FALSE(base::pathExists(bs.path(*key)));
  CHECK(bs.remove(*key).ok());  // twice is fine
}

TEST_CASE("the same content twice is one blob") {
  TempDir t;
  auto bs = openStore(t / "blobs");
  REQUIRE(base::writeFileAtomic(t / "a", "same bytes").ok());
  REQUIRE(base::writeFileAtomic(t / "b", "same bytes").ok());
  auto first = bs->put(t / "a", false);
  REQUIRE(first.ok());
  ino_t ino = statOf(bs->path(*first)).st_ino;
  auto second = bs->put(t / "b", false);
  REQUIRE(second.ok());
  CHECK(*second == *first);
  CHECK(statOf(bs->path(*first)).st_ino == ino);  // untouched, not rewritten

  auto moved = bs->put(t / "b", true);  // already stored: the moved source goes anyway
  REQUIRE(moved.ok());
  CHECK(*moved == *first);
  CHECK_FALSE(base::pathExists(t / "b"));
  CHECK(statOf(bs->path(*first)).st_ino == ino);
}

TEST_CASE("put with move renames the file into the store") {
  TempDir t;
  auto bs = openStore(t / "blobs");
  REQUIRE(base::writeFileAtomic(t / "droplet.tgz", "droplet").ok());
  ino_t ino = statOf(t / "droplet.tgz").st_ino;
  auto key = bs->put(t / "droplet.tgz", true);
  REQUIRE(key.ok());
  CHECK_FALSE(base::pathExists(t / "droplet.tgz"));
  CHECK(statOf(bs->path(*key)).st_ino == ino);  // a rename, not a copy
  CHECK((statOf(bs->path(*key)).st_mode & 0777) == 0444);
  CHECK(*base::readFile(bs->path(*key)) == "droplet");
  CHECK(bs->put(t / "droplet.tgz", true).error().code == Errc::kNotFound);
}

TEST_CASE("put with move across file systems copies and removes the source") {
  TempDir shm("/dev/shm");
  TempDir t;
  if (statOf(shm.path).st_dev == statOf(t.path).st_dev) return;  // no second file system here
  auto bs = openStore(t / "blobs");
  REQUIRE(base::writeFileAtomic(shm / "x", "across").ok());
  auto key = bs->put(shm / "x", true);
  REQUIRE(key.ok());
  CHECK_FALSE(base::pathExists(shm / "x"));
  CHECK(*base::readFile(bs->path(*key)) == "across");
  CHECK(base::treeSize(t / "blobs/.tmp") == 0);
}

TEST_CASE("malformed keys never name a path") {
  TempDir t;
  auto bs = openStore(t / "blobs");
  for (const std::string& key : std::vector<std::string>{"", "../../etc/passwd", std::string(64, 'A'), std::string(63, 'a'),
                          std::string(62, 'a') + "/.", std::string(kHelloSha1)}) {
    CAPTURE(key);
    CHECK(bs->path(key) == "");
    CHECK_FALSE(bs->has(key));
    CHECK(bs->remove(key).error().code == Errc::kInvalid);
  }
  CHECK(bs->put(t / "blobs", false).error().code == Errc::kInvalid);  // a directory
}

TEST_CASE("open clears temp files left by a crash") {
  TempDir t;
  REQUIRE(base::makeDirs(t / "blobs/.tmp").ok());
  REQUIRE(base::writeFileAtomic(t / "blobs/.tmp/half-written", "x").ok());
  REQUIRE(blobstore::Blobstore::open(t / "blobs").ok());
  CHECK_FALSE(base::pathExists(t / "blobs/.tmp/half-written"));
  CHECK(base::isDirectory(t / "blobs/.tmp"));
}
