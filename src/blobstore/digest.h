// Streaming SHA-1 / SHA-256 with OpenSSL's EVP interface, as lowercase hex.
#pragma once

#include <cstddef>
#include <string>

#include "base/result.h"

struct evp_md_ctx_st;

namespace mcf::blobstore {

enum class DigestAlgo { kSha1, kSha256 };

// Length of the hex digest: 40 for SHA-1, 64 for SHA-256.
size_t hexLength(DigestAlgo algo);

class Digest {
 public:
  explicit Digest(DigestAlgo algo);
  ~Digest();
  Digest(const Digest&) = delete;
  Digest& operator=(const Digest&) = delete;

  void update(const void* data, size_t size);
  std::string hex();  // finishes the digest; call once

 private:
  evp_md_ctx_st* ctx_;
};

// Reads the whole file; kNotFound if it does not exist.
base::Result<std::string> hashFile(const std::string& path, DigestAlgo algo);

// SHA-256 over a directory tree's content: every entry's relative path, type, permission
// bits and file content (or link target), in path order. Timestamps and owners do not count,
// so the same files give the same digest however they were archived. Blocking.
base::Result<std::string> digestTree(const std::string& dir);

}  // namespace mcf::blobstore
