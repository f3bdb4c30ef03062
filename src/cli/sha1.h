// SHA-1 for resource matching: CC matches already uploaded files by (sha1, size).
// The CLI has its own small SHA-1 because libcrypto belongs to auth/ and blobstore/.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace mcf::cli {

class Sha1 {
 public:
  Sha1();
  void update(std::string_view data);
  // Lowercase hex digest; the object must not be updated afterwards.
  std::string hexDigest();

 private:
  void block(const unsigned char* p);
  uint32_t h_[5];
  unsigned char buf_[64];
  size_t buf_len_ = 0;
  uint64_t total_ = 0;
};

std::string sha1Hex(std::string_view data);
base::Result<std::string> sha1File(const std::string& path);

}  // namespace mcf::cli
