// ResourcePool: a size-windowed ContentDir keyed by SHA-1.
#include "blobstore/resource_pool.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

namespace mcf::blobstore {

base::Result<std::unique_ptr<ResourcePool>> ResourcePool::open(const std::string& root) {
  auto dir = ContentDir::open(root, DigestAlgo::kSha1);
  if (!dir.ok()) return dir.takeError();
  return std::unique_ptr<ResourcePool>(new ResourcePool(std::move(dir.value())));
}

bool ResourcePool::has(const std::string& sha1, int64_t size) const {
  if (size < kMinSize || size > kMaxSize || !dir_.isKey(sha1)) return false;
  struct stat st;
  return ::stat(dir_.path(sha1).c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size == size;
}

base::Status ResourcePool::add(const std::string& file_path) {
  struct stat st;
  // lstat: a symlink in an app is never followed into the pool.
  if (::lstat(file_path.c_str(), &st) != 0)
    return base::makeError(errno == ENOENT ? base::Errc::kNotFound : base::Errc::kIo,
                           "Cannot add {} to the resource pool: {}.", file_path, strerror(errno));
  if (!S_ISREG(st.st_mode) || st.st_size < kMinSize || st.st_size > kMaxSize) return {};
  // Most files of a repeated push are pooled already: hashing is cheaper than copying.
  auto sha1 = hashFile(file_path, DigestAlgo::kSha1);
  if (!sha1.ok()) return sha1.takeError();
  if (dir_.has(*sha1)) return {};
  auto stored = dir_.copyIn(file_path);
  if (!stored.ok()) return stored.takeError();
  return {};
}

std::string ResourcePool::path(const std::string& sha1) const { return dir_.path(sha1); }

}  // namespace mcf::blobstore
