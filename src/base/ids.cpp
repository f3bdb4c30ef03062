// Random identifiers from the kernel's CSPRNG.
#include "base/ids.h"

#include <sys/random.h>

#include <cstdint>
#include <cstdio>

namespace mcf::base {

void randomBytes(void* buf, size_t n) {
  auto* p = static_cast<uint8_t*>(buf);
  while (n > 0) {
    ssize_t got = getrandom(p, n, 0);
    if (got < 0) continue;  // EINTR; getrandom never fails otherwise once the pool is ready
    p += got;
    n -= static_cast<size_t>(got);
  }
}

std::string randomHex(size_t n) {
  static const char kHex[] = "0123456789abcdef";
  std::string bytes(n, '\0');
  randomBytes(bytes.data(), n);
  std::string out;
  out.reserve(2 * n);
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

std::string newGuid() {
  uint8_t b[16];
  randomBytes(b, sizeof b);
  b[6] = (b[6] & 0x0f) | 0x40;  // version 4
  b[8] = (b[8] & 0x3f) | 0x80;  // variant 10
  char out[37];
  std::snprintf(out, sizeof out,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
                b[12], b[13], b[14], b[15]);
  return out;
}

bool isGuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

}  // namespace mcf::base
