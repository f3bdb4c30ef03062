// Blobstore: SHA-256 content addressing over a ContentDir.
#include "blobstore/blobstore.h"

namespace mcf::blobstore {

base::Result<std::unique_ptr<Blobstore>> Blobstore::open(const std::string& root) {
  auto dir = ContentDir::open(root, DigestAlgo::kSha256);
  if (!dir.ok()) return dir.takeError();
  return std::unique_ptr<Blobstore>(new Blobstore(std::move(dir.value())));
}

base::Result<std::string> Blobstore::put(const std::string& path, bool move) {
  return move ? dir_.moveIn(path) : dir_.copyIn(path);
}

std::string Blobstore::path(const std::string& key) const { return dir_.path(key); }

bool Blobstore::has(const std::string& key) const { return dir_.has(key); }

base::Status Blobstore::remove(const std::string& key) { return dir_.remove(key); }

base::Result<std::string> sha256File(const std::string& path) {
  return hashFile(path, DigestAlgo::kSha256);
}

base::Result<std::string> sha1File(const std::string& path) {
  return hashFile(path, DigestAlgo::kSha1);
}

}  // namespace mcf::blobstore
