// Identifiers: random lowercase UUIDs (v4), as Cloud Foundry uses for every GUID.
#pragma once

#include <string>

namespace mcf::base {

std::string newGuid();
// n random bytes as lowercase hex (2n characters).
std::string randomHex(size_t n);
// Fills buf with cryptographically strong random bytes (getrandom).
void randomBytes(void* buf, size_t n);
bool isGuid(const std::string& s);

}  // namespace mcf::base
