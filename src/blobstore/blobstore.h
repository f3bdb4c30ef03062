// Blobstore: content-addressed files (packages, droplets, buildpack caches) under one root.
//
// Owns: the files under root/<aa>/<sha256> and how they get there (temp file + rename).
// Does not own: which blob belongs to which package or droplet (store/ records the keys).
// Thread: blocking calls, safe from several threads at once; keep them off the loop.
#pragma once

#include <memory>
#include <string>

#include "base/result.h"
#include "blobstore/content_dir.h"

namespace mcf::blobstore {

class Blobstore {  // content-addressed files under root/<aa>/<sha256>
 public:
  // Creates root if missing and clears temp files a crash left behind: open each root once.
  static base::Result<std::unique_ptr<Blobstore>> open(const std::string& root);

  // Adds the file (moved if move, else copied); returns its key (the sha256 hex). Blocking.
  // Stored files are read-only (0444) and fsynced. Putting content that is already stored
  // changes nothing in the store; a moved source is removed either way, so the caller never
  // has to know which case it was. The source must not change while it is put.
  base::Result<std::string> put(const std::string& path, bool move);
  // Where the blob is (whether or not it exists); "" for a string that is not a sha256 key,
  // so no key can name a path outside root.
  std::string path(const std::string& key) const;
  bool has(const std::string& key) const;
  // Removing a missing blob succeeds (a delete may run twice); a malformed key is kInvalid.
  base::Status remove(const std::string& key);

 private:
  explicit Blobstore(ContentDir dir) : dir_(std::move(dir)) {}
  ContentDir dir_;
};

base::Result<std::string> sha256File(const std::string& path);  // hex
base::Result<std::string> sha1File(const std::string& path);    // hex

}  // namespace mcf::blobstore
