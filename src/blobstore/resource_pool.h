// ResourcePool: app files kept by SHA-1 so `cf push` uploads only what the platform lacks.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "base/result.h"
#include "blobstore/content_dir.h"

namespace mcf::blobstore {

// Serves POST /v3/resource_matches and the "resources" field of a package upload: a file the
// pool holds need not be uploaded again. Unlike Cloud Controller (64 KiB minimum) it keeps
// small files too, so an unchanged app's second push sends no bits at all; a pool entry is a
// hard link (or, across file systems, a copy) of a file of an extracted upload, so adding one
// costs a hash and a link.
//
// Layout: root/<first two hex>/<sha1>. An entry is a cache, never fsync'd: one a crash tore is
// caught before it is used (has() compares the size, copyOut() the SHA-1 of what it copies,
// and drops the entry when it differs), so a bad entry never ends up in another app's package.
// Bounds: at most max_bytes and max_entries; past either, add() evicts the entries used least
// recently (by mtime: set when added, and when add() or copyOut() uses it) down to 90%.
// Thread: blocking; has() and copyOut() from any thread, add() from any thread (it locks).
class ResourcePool {
 public:
  static constexpr int64_t kMaxSize = int64_t(512) << 20;  // CC's resource_pool.maximum_size
  // Empty files match without an entry: copyOut() just creates one.
  static constexpr const char* kEmptySha1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709";

  struct Limits {
    int64_t max_bytes = int64_t(2) << 30;  // 2 GiB of file content
    int64_t max_entries = 100000;
  };

  // Creates root if missing and clears temp files a crash left behind: open each root once.
  static base::Result<std::unique_ptr<ResourcePool>> open(const std::string& root);
  static base::Result<std::unique_ptr<ResourcePool>> open(const std::string& root, Limits limits);

  // Is a file with this SHA-1 (40 lowercase hex) and exactly this size in the pool? A stat
  // only: cheap enough for the loop.
  bool has(const std::string& sha1, int64_t size) const;
  // Pools the regular file by its SHA-1 if it is 1 byte to kMaxSize long, as a hard link when
  // it can: the caller may unlink file_path afterwards but must not write to it. Anything else
  // (empty, bigger, a symlink) is a successful no-op; a file pooled already is marked used.
  base::Status add(const std::string& file_path);
  // Copies the entry into a new file dest (which must not exist) with these permission bits,
  // checking the SHA-1 and the size on the way. kNotFound when the pool lacks it; a torn or
  // altered entry is removed and reported as kNotFound too (nothing is left at dest).
  base::Status copyOut(const std::string& sha1, int64_t size, const std::string& dest, int mode);
  // Where the file with this SHA-1 is; "" for a string that is not a SHA-1.
  std::string path(const std::string& sha1) const;

  struct Usage {
    int64_t bytes = 0;
    int64_t entries = 0;
  };
  Usage usage();  // counts the entries on first use, then follows add() and evictions

 private:
  ResourcePool(ContentDir dir, Limits limits) : dir_(std::move(dir)), limits_(limits) {}
  void countLocked();
  void evictLocked();

  ContentDir dir_;
  Limits limits_;
  std::mutex mu_;
  bool counted_ = false;  // usage_ is known
  Usage usage_;
};

}  // namespace mcf::blobstore
