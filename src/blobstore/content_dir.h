// ContentDir: read-only files named by their digest, root/<first two hex>/<hex digest>.
#pragma once

#include <string>

#include "base/result.h"
#include "blobstore/digest.h"

namespace mcf::blobstore {

// Blobstore (SHA-256 keys) stores through it; ResourcePool (SHA-1 keys) uses its layout and
// .tmp but links its entries in itself. Files arrive through root/.tmp and a rename, so a
// reader sees a whole file or none; the name is always the digest of the content, computed
// here, never taken from a caller.
class ContentDir {
 public:
  // Creates root and root/.tmp; empties root/.tmp (leftovers of a crash).
  static base::Result<ContentDir> open(const std::string& root, DigestAlgo algo);

  bool isKey(const std::string& key) const;  // right length, lowercase hex
  std::string path(const std::string& key) const;  // "" when key is not a key
  bool has(const std::string& key) const;
  // Copies from into the store, hashing on the way; returns the key.
  base::Result<std::string> copyIn(const std::string& from);
  // Renames from into the store (copies and unlinks across file systems); returns the key.
  base::Result<std::string> moveIn(const std::string& from);
  base::Status remove(const std::string& key);
  const std::string& root() const { return root_; }

 private:
  ContentDir(std::string root, DigestAlgo algo);
  base::Status publish(const std::string& tmp, const std::string& key);

  std::string root_;
  std::string tmp_dir_;
  DigestAlgo algo_;
};

// An I/O error naming what was done to which path (kNotFound for ENOENT), and a write of all
// of data that retries on EINTR; shared by the blobstore's stores.
base::Error ioError(const char* what, const std::string& path, int err);
base::Status writeAll(int fd, const char* data, size_t size, const std::string& path);

}  // namespace mcf::blobstore
