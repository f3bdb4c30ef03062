// ResourcePool: app files kept by SHA-1 so `cf push` uploads only what the platform lacks.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/result.h"
#include "blobstore/content_dir.h"

namespace mcf::blobstore {

// Serves POST /v3/resource_matches and the "resources" field of a package upload. Like Cloud
// Controller it keeps only files in a size window: small files cost more to match than to
// upload, huge ones would fill the disk. Thread: blocking, safe from several threads.
class ResourcePool {
 public:
  static constexpr int64_t kMinSize = int64_t(64) * 1024;   // CC's resource_pool.minimum_size
  static constexpr int64_t kMaxSize = int64_t(512) << 20;   // CC's resource_pool.maximum_size

  // Creates root if missing and clears temp files a crash left behind: open each root once.
  static base::Result<std::unique_ptr<ResourcePool>> open(const std::string& root);

  // Is a file with this SHA-1 (40 lowercase hex) and exactly this size in the pool?
  bool has(const std::string& sha1, int64_t size) const;
  // Stores a copy of the regular file by its SHA-1 if its size is within [kMinSize, kMaxSize];
  // anything else (smaller, bigger, a symlink, already pooled) is a successful no-op.
  base::Status add(const std::string& file_path);
  // Where the file with this SHA-1 is; "" for a string that is not a SHA-1.
  std::string path(const std::string& sha1) const;

 private:
  explicit ResourcePool(ContentDir dir) : dir_(std::move(dir)) {}
  ContentDir dir_;
};

}  // namespace mcf::blobstore
